"""Logs: one JSON object per line for machines, or a readable line for a person at a
terminal; secrets redacted either way.

Invitation links carry their token in the URL path (``/invite/tni_…``), so every log line
passes a filter that cuts the secret part of any Tenantry token before it is written."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

# tni_ (invitation), tns_ (session), tnk_ (API key), and the account links: tnv_ (verify),
# tnr_ (reset), tnc_ (claim), tne_ (email change), tnf_ (second factor). Keep the lookup,
# drop the secret.
_TOKEN = re.compile(r"\b(tn[ikscvrcef]_[0-9a-f]{16}_)[A-Za-z0-9_-]+")


def redact(text: str) -> str:
    return _TOKEN.sub(r"\1[redacted]", text)


class RedactTokens(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(str(record.msg))
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class ConsoleFormatter(logging.Formatter):
    """``14:03:07 INFO  uvicorn.access  127.0.0.1 - "GET / HTTP/1.1" 200`` (local time)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-5s %(name)s  %(message)s", "%H:%M:%S")


def wants_console(log_format: str = "auto", stream: Any = None) -> bool:
    """Readable lines when asked, or (``auto``) when stderr is a terminal; JSON otherwise."""
    if log_format != "auto":
        return log_format == "console"
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def log_config(level: str = "info", *, console: bool = False) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the service (uvicorn's loggers included)."""
    handler = {
        "class": "logging.StreamHandler",
        "formatter": "console" if console else "json",
        "filters": ["redact"],
        "stream": "ext://sys.stderr",
    }
    loggers = {
        name: {"handlers": ["default"], "level": level.upper(), "propagate": False}
        for name in ("tenantry", "uvicorn", "uvicorn.error", "uvicorn.access")
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": RedactTokens}},
        "formatters": {"json": {"()": JsonFormatter}, "console": {"()": ConsoleFormatter}},
        "handlers": {"default": handler},
        "loggers": loggers,
    }
