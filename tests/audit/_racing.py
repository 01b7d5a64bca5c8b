"""Writers racing on one organization: several threads add members at once."""

from __future__ import annotations

import threading

from tenantry.members import service as members
from tests.factories import actor


def add_concurrently(t, org, by, people, *, threads: int) -> list[BaseException]:
    """Add ``people`` from ``threads`` threads started together; the errors they met."""
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def worker(batch):
        start.wait()
        for person in batch:
            try:
                with t.db.transaction() as s:
                    members.add_member(
                        s,
                        t.authz,
                        actor=actor(by),
                        org_id=org.id,
                        user_id=person.id,
                        roles=["member"],
                    )
            except BaseException as exc:
                errors.append(exc)

    running = [threading.Thread(target=worker, args=(people[n::threads],)) for n in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    return errors
