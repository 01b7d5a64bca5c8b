"""Responses remembered under an Idempotency-Key, written in the same transaction as the
write they answer: a replay returns the first response and applies nothing twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from tenantry import clock
from tenantry.store.base import Base, UTCDateTime


class IdempotentResponse(Base):
    __tablename__ = "idempotent_responses"

    # who sent it (a hash of the credential, or of the client for unauthenticated calls)
    scope: Mapped[str] = mapped_column(String(64), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    request_hash: Mapped[str] = mapped_column(String(64))  # method, path and body
    status_code: Mapped[int] = mapped_column(Integer)
    headers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    body: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
