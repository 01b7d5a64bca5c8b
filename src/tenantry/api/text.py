"""Text no database can store is refused at the edge, as a 422 naming the field.

PostgreSQL refuses NUL (U+0000) in text, and no driver can encode an unpaired surrogate
(``"\\ud800"`` is valid JSON, not valid Unicode). Let through, either reaches the database
as a driver error, which looks like an outage (503). Every route checks its path and
query parameters, cookies and JSON or form body before anything else runs."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.exceptions import RequestValidationError

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
NUL_MESSAGE = "text must not contain NUL (\\u0000) characters"
SURROGATE_MESSAGE = "text must be valid Unicode (an unpaired surrogate such as \\ud800 is not)"


def problem(value: str) -> str | None:
    """Why the database could not store this text, if it could not."""
    found = _UNSTORABLE.search(value)
    if found is None:
        return None
    return NUL_MESSAGE if found.group() == "\x00" else SURROGATE_MESSAGE


def shown(name: str) -> str:
    """A name as an error message may show it: what cannot be stored, escaped."""
    return _UNSTORABLE.sub(lambda found: f"\\u{ord(found.group()):04x}", name)


async def refuse_unstorable_text(request: Request) -> None:
    """RequestValidationError (422) if any text of the request cannot be stored."""
    errors = [
        {"type": "unstorable_text", "loc": loc, "msg": msg, "input": None}
        for loc, msg in _problems(request, await _body(request))
    ]
    if errors:
        raise RequestValidationError(errors)


async def _body(request: Request) -> Any:
    """The parsed body, when it is JSON or a form and could hold such text at all."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        raw = await request.body()
        if b"\\u" not in raw:  # raw control characters are invalid JSON: only escapes matter
            return None
        try:
            return json.loads(raw)
        except ValueError:
            return None  # the route's own parsing reports it
    if media == "application/x-www-form-urlencoded":
        raw = await request.body()
        if b"%00" not in raw and b"\x00" not in raw:
            return None
        pairs = parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True)
        return {name: value for name, value in pairs if problem(name) or problem(value)}
    return None


def _problems(request: Request, body: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    places: list[tuple[str, list[tuple[str, Any]]]] = [
        ("path", list(request.path_params.items())),
        ("query", request.query_params.multi_items()),
        ("cookie", list(request.cookies.items())),
    ]
    for where, pairs in places:
        for name, value in pairs:
            for text in (name, value):
                why = problem(text) if isinstance(text, str) else None
                if why:
                    yield (where, shown(name)), why
                    break
    if body is not None:
        yield from _walk(("body",), body)


def _walk(loc: tuple[str | int, ...], value: Any) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(value, str):
        why = problem(value)
        if why:
            yield loc, why
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk((*loc, i), item)
    elif isinstance(value, dict):
        for key, item in value.items():
            why = problem(key)
            if why:
                yield (*loc, shown(key)), why
            else:
                yield from _walk((*loc, key), item)
