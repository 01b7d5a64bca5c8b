"""Log lines are JSON and never carry a token's secret part."""

from __future__ import annotations

import json
import logging

from tenantry.logs import JsonFormatter, RedactTokens, redact


def test_tokens_in_paths_are_redacted_but_keep_their_lookup():
    line = "GET /invite/tni_0123456789abcdef_S3cr3t-Value_here HTTP/1.1"
    assert redact(line) == "GET /invite/tni_0123456789abcdef_[redacted] HTTP/1.1"


def test_a_log_record_is_one_json_object_with_the_secret_cut():
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s "%s %s"',
        ("127.0.0.1", "POST", "/v1/invitations/tni_0123456789abcdef_abcDEF123_-x/accept"),
        None,
    )
    RedactTokens().filter(record)
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "info" and entry["logger"] == "uvicorn.access"
    assert "abcDEF123" not in entry["message"]
    assert "tni_0123456789abcdef_[redacted]" in entry["message"]
