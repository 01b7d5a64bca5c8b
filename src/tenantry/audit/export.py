"""Audit exports, one line at a time: CSV for spreadsheets, JSON Lines for tools. Each event
keeps its chain fields, so an exported file can be checked against ``audit verify``."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from contextlib import closing
from typing import Any

from tenantry.audit.chain import HASHED
from tenantry.audit.models import AuditEvent
from tenantry.audit.service import Filter, stream
from tenantry.store.db import Database

# the chain's hashed fields, its place first, and its links last
COLUMNS = ("seq", *(name for name in HASHED if name != "seq"), "prev_hash", "hash")
FORMATS = {"csv": "text/csv; charset=utf-8", "jsonl": "application/x-ndjson"}
# a spreadsheet runs a cell that starts with one of these as a formula (CSV injection):
# such a cell is written with a leading apostrophe, which spreadsheets show as text
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _fields(event: AuditEvent) -> dict[str, Any]:
    fields = {name: getattr(event, name) for name in COLUMNS}
    fields["occurred_at"] = event.occurred_at.isoformat(timespec="microseconds")
    return fields


CHUNK = 200  # events per piece of the response: never the whole file in memory


def jsonl(events: Iterable[AuditEvent]) -> Iterator[str]:
    chunk: list[str] = []
    for event in events:
        chunk.append(json.dumps(_fields(event), ensure_ascii=False, separators=(",", ":")))
        if len(chunk) == CHUNK:
            yield "\n".join(chunk) + "\n"
            chunk.clear()
    if chunk:
        yield "\n".join(chunk) + "\n"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for n, event in enumerate(events):
        fields = _fields(event)
        writer.writerow([_cell(fields[name]) for name in COLUMNS])
        if n % CHUNK == CHUNK - 1:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def lines(kind: str, events: Iterable[AuditEvent]) -> Iterator[str]:
    return csv_lines(events) if kind == "csv" else jsonl(events)


def file(db: Database, org_id: str, where: Filter, kind: str) -> Iterator[str]:
    """The export, written while it is read, from a read transaction of its own (the trail
    as of the moment it began): for a streamed response, after the request's own ends."""
    with db.reading() as s, closing(stream(s, org_id, where)) as rows:
        yield from lines(kind, rows)


def file_name(org_id: str, kind: str) -> str:
    return f"audit-{org_id}.{kind}"
