"""The declarative base every table derives from, and the column helpers they share."""

from __future__ import annotations

import secrets
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import DateTime, MetaData, String, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Named constraints, so migrations and error messages can refer to them.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are stored and returned as aware UTC datetimes on every database."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def new_id() -> str:
    return uuid.uuid4().hex


def new_sortable_id() -> str:
    """32 hex digits that sort by creation: nanoseconds, then randomness (for append-only
    rows paged newest-first by id)."""
    return f"{time.time_ns():016x}{secrets.token_hex(8)}"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def id_column() -> Mapped[str]:
    return mapped_column(String(32), primary_key=True, default=new_id)
