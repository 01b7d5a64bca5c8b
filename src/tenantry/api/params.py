"""Query parameter types shared by routes."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import BeforeValidator

_DATE_FIRST = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _iso_text(value: object) -> object:
    # Pydantic reads a bare number as seconds since 1970 (``until=0.5``): an instant in a
    # query is ISO 8601 text, as the schema says (format: date-time)
    if isinstance(value, str) and not _DATE_FIRST.match(value):
        raise ValueError("expected an ISO 8601 date and time, like 2026-12-01T09:30:00Z")
    return value


Instant = Annotated[datetime, BeforeValidator(_iso_text)]
