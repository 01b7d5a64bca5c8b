"""The organization-size table: the same requests against organizations of 100, 1,000 and
10,000 members in one database, through the REST API (FastAPI in-process, the full request
path but the socket), so a row shows whether an endpoint's cost grows with the organization.

Members are written in bulk (the rows ``add_member`` writes: user, membership with its sort
keys, role), the organization, its checkouts and the signed-in owner through the services.
Each row is the median of several requests; "cold" clears the process's permission caches
before every request. The last columns: the largest size over the smallest (the target is at
most 3x), and the SQL statements one request sent at the largest size.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import count

from sqlalchemy import event, insert
from starlette.testclient import TestClient

from benchmarks.report import aligned
from tenantry.accounts.models import User
from tenantry.accounts.service import create_user
from tenantry.accounts.sessions import start_session
from tenantry.api.app import create_app
from tenantry.core import Tenantry
from tenantry.members.models import MemberRole, Membership
from tenantry.orgs.service import create_org
from tenantry.resources import service as resources
from tenantry.resources.models import ResourceGrant
from tenantry.settings import Settings
from tenantry.store.base import new_id
from tenantry.writes import Actor

POLICY = "verkkokurssikassa"
TARGET_RATIO = 3.0
ROWS = (
    "member list, first page (limit 100)",
    "one member",
    "remove one member",
    "who can invite (?permission=), cold",
    "lookup_subjects on a checkout (limit 100), cold",
    "invite 100 emails in one call",
)


@dataclass(slots=True)
class Org:
    size: int
    org_id: str
    token: str
    checkout: str
    members: list[str] = field(default_factory=list)  # everyone but the owner, in order


@dataclass(frozen=True, slots=True)
class SizeRow:
    label: str
    ms: dict[int, float]  # size -> median milliseconds
    statements: int  # at the largest size

    @property
    def ratio(self) -> float:
        sizes = sorted(self.ms)
        return self.ms[sizes[-1]] / self.ms[sizes[0]]


def _bulk_members(t: Tenantry, org_id: str, size: int, tag: str) -> list[str]:
    """``size`` - 1 members after the owner: about 10% admins, the rest members."""
    users, memberships, roles = [], [], []
    for i in range(size - 1):
        uid, mid, email = new_id(), new_id(), f"{tag}m{i:05d}@example.com"
        users.append({"id": uid, "email": email, "name": f"Member {i:05d}"})
        memberships.append(
            {
                "id": mid,
                "org_id": org_id,
                "user_id": uid,
                "email_key": email,
                "name_key": f"member {i:05d}",
            }
        )
        role = "admin" if i % 10 == 0 else "member"
        roles.append({"membership_id": mid, "org_id": org_id, "role": role, "unique_slot": None})
    with t.db.transaction() as s:
        for table, rows in ((User, users), (Membership, memberships), (MemberRole, roles)):
            for start in range(0, len(rows), 5000):
                s.execute(insert(table), rows[start : start + 5000])
    return [u["id"] for u in users]


def seed_org(t: Tenantry, size: int, tag: str) -> Org:
    operator = Actor.operator()
    with t.db.transaction() as s:
        owner = create_user(s, email=f"{tag}owner@example.com", name="Owner", password=None)
        org = create_org(s, t.authz, actor=operator, creator=owner, name=f"Size {size}")
        org_id = org.id
        checkouts = [
            resources.create_resource(
                s, t.authz, actor=operator, org_id=org_id, rtype="checkout", name=f"Course {c}"
            ).id
            for c in range(3)
        ]
        token = start_session(s, owner, ip="127.0.0.1").token
    people = _bulk_members(t, org_id, size, tag)
    with t.db.transaction() as s:  # a viewer on the first checkout: every fifth member
        mids = dict(
            s.execute(
                Membership.__table__.select()
                .with_only_columns(Membership.user_id, Membership.id)
                .where(Membership.org_id == org_id)
            ).all()
        )
        grants = [
            {"membership_id": mids[uid], "resource_id": checkouts[0], "role": "viewer"}
            for uid in people[::5]
        ]
        if grants:
            s.execute(insert(ResourceGrant), grants)
    t.authz.cache.clear()
    return Org(size, org_id, token, checkouts[0], people)


def _analyze(t: Tenantry) -> None:
    """Planner statistics for the rows just written in bulk, as a database in service has
    them (PostgreSQL's autovacuum would gather them a little later; SQLite never does)."""
    with t.db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
        conn.commit()


@contextmanager
def _counting(t: Tenantry) -> Iterator[list[int]]:
    seen = [0]

    def count_one(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        seen[0] += not statement.lstrip().upper().startswith("BEGIN")

    event.listen(t.db.engine, "before_cursor_execute", count_one)
    try:
        yield seen
    finally:
        event.remove(t.db.engine, "before_cursor_execute", count_one)


Request = Callable[[TestClient, Org], object]


def _requests(emails: Iterator[int]) -> list[tuple[Request, bool]]:
    """(one request, whether it runs cold), in the order of ROWS."""

    def auth(org: Org) -> dict[str, str]:
        return {"Authorization": f"Bearer {org.token}"}

    def ok(response: object) -> object:
        status = getattr(response, "status_code", 0)
        if status >= 300:
            raise SystemExit(f"org-size bench: {status} {getattr(response, 'text', '')[:300]}")
        return response

    def first_page(http: TestClient, org: Org) -> object:
        return ok(http.get(f"/v1/orgs/{org.org_id}/members?limit=100", headers=auth(org)))

    def one(http: TestClient, org: Org) -> object:
        who = org.members[len(org.members) // 2]
        return ok(http.get(f"/v1/orgs/{org.org_id}/members/{who}", headers=auth(org)))

    def remove(http: TestClient, org: Org) -> object:
        who = org.members.pop()
        return ok(http.delete(f"/v1/orgs/{org.org_id}/members/{who}", headers=auth(org)))

    def who_can(http: TestClient, org: Org) -> object:
        url = f"/v1/orgs/{org.org_id}/members?permission=org.members.invite&limit=100"
        return ok(http.get(url, headers=auth(org)))

    def subjects(http: TestClient, org: Org) -> object:
        url = f"/v1/orgs/{org.org_id}/resources/{org.checkout}/subjects"
        query = "?permission=checkout.view&limit=100"
        return ok(http.get(url + query, headers=auth(org)))

    def invite(http: TestClient, org: Org) -> object:
        batch = next(emails)
        body = {"emails": [f"inv{batch}x{i}@example.org" for i in range(100)], "roles": ["member"]}
        return ok(http.post(f"/v1/orgs/{org.org_id}/invitations", json=body, headers=auth(org)))

    return [
        (first_page, False),
        (one, False),
        (remove, False),
        (who_can, True),
        (subjects, True),
        (invite, False),
    ]


def measure_sizes(url: str, workdir: str, sizes: list[int], repeats: int) -> list[SizeRow]:
    """Seed one organization per size in the database at ``url`` (migrated), then time
    every row at every size, interleaved so a noisy moment hits every size alike."""
    t = Tenantry(url, POLICY, coherence="auto")
    settings = Settings.load(
        {"TENANTRY_POLICY": POLICY, "TENANTRY_MAILBOX_DIR": f"{workdir}/mailbox"}
    )
    try:
        orgs = [seed_org(t, size, f"s{size}") for size in sizes]
        _analyze(t)
        http = TestClient(create_app(t, settings), raise_server_exceptions=True)
        plan = _requests(count())
        times: dict[tuple[int, int], list[float]] = {}
        statements: dict[int, int] = {}
        for row, (request, cold) in enumerate(plan):
            for org in orgs:  # one warm-up each: imports, compiled SQL, the caller's snapshot
                request(http, org)
            for _ in range(repeats):
                for org in orgs:
                    if cold:
                        t.authz.cache.clear()
                    start = time.perf_counter()
                    request(http, org)
                    times.setdefault((row, org.size), []).append(time.perf_counter() - start)
            if cold:
                t.authz.cache.clear()
            with _counting(t) as seen:
                request(http, orgs[-1])
            statements[row] = seen[0]
        http.close()
    finally:
        t.close()
    return [
        SizeRow(
            label,
            {size: statistics.median(times[(row, size)]) * 1e3 for size in sizes},
            statements[row],
        )
        for row, label in enumerate(ROWS)
    ]


def size_table(engine: str, rows: list[SizeRow]) -> str:
    sizes = sorted(rows[0].ms)
    header = ["engine", "operation", *(f"{s:,} members" for s in sizes), "ratio", "statements"]
    body = [
        [
            engine,
            r.label,
            *(f"{r.ms[s]:.1f} ms" for s in sizes),
            f"{r.ratio:.2f}x" + ("" if r.ratio <= TARGET_RATIO else " (over 3x)"),
            str(r.statements),
        ]
        for r in rows
    ]
    return aligned(header, body)
