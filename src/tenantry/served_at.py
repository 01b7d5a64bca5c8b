"""Where ``tenantry serve`` last served this database, kept in ``service_meta``: so that
links the CLI prints and mails (``tenantry invite send``) open the service that is running,
even when it was started with ``--port`` rather than TENANTRY_PORT."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tenantry.store.meta import ServiceMeta

KEY = "served_at"


def record(session: Session, base_url: str) -> None:
    row = session.get(ServiceMeta, KEY)
    if row is None:
        session.add(ServiceMeta(key=KEY, value=base_url[:400]))
    else:
        row.value = base_url[:400]


def last(session: Session) -> str | None:
    row = session.get(ServiceMeta, KEY)
    return row.value if row is not None else None
