"""Log lines are JSON (readable lines at a terminal) and never carry a token's secret part."""

from __future__ import annotations

import io
import json
import logging
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

from tenantry.logs import (
    ConsoleFormatter,
    JsonFormatter,
    RedactTokens,
    log_config,
    redact,
    wants_console,
)
from tests.e2e.conftest import free_port

TENANTRY = Path(sys.executable).with_name("tenantry")


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


def _record(message: str) -> logging.LogRecord:
    return logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, message, None, None)


class _Terminal:
    def isatty(self) -> bool:
        return True


def test_the_console_is_readable_lines_at_a_terminal_and_json_lines_elsewhere():
    assert wants_console("auto", _Terminal()) is True
    assert wants_console("auto", io.StringIO()) is False
    assert wants_console("json", _Terminal()) is False
    assert wants_console("console", io.StringIO()) is True
    assert log_config(console=True)["handlers"]["default"]["formatter"] == "console"
    assert log_config(console=False)["handlers"]["default"]["formatter"] == "json"


def test_a_console_line_is_plain_text_with_the_secret_cut():
    record = _record("GET /invite/tni_0123456789abcdef_S3cr3t-Value_here 200")
    RedactTokens().filter(record)
    line = ConsoleFormatter().format(record)
    assert re.fullmatch(
        r"\d\d:\d\d:\d\d INFO  uvicorn\.access  GET /invite/tni_0123456789abcdef_\[redacted\] 200",
        line,
    ), line


def _first_log_line(tmp_path: Path, *, terminal: bool) -> str:
    """The first line `tenantry serve` writes to stderr, with stderr a terminal or a pipe."""
    port = free_port()
    env = {
        **os.environ,
        "TENANTRY_DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
        "TENANTRY_PORT": str(port),
    }
    env.pop("TENANTRY_LOG_FORMAT", None)
    if terminal:
        main, side = pty.openpty()
    else:
        main, side = os.pipe()
    proc = subprocess.Popen(
        [str(TENANTRY), "serve"], env=env, stderr=side, stdout=subprocess.DEVNULL
    )
    os.close(side)
    try:
        buffered = b""
        deadline = time.monotonic() + 60
        while b"\n" not in buffered and time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 1)
            if ready:
                buffered += os.read(main, 4096)
        return buffered.decode().splitlines()[0]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        os.close(main)


def test_serve_logs_readable_lines_to_a_terminal(tmp_path):
    line = _first_log_line(tmp_path, terminal=True)
    assert re.match(r"\d\d:\d\d:\d\d INFO  uvicorn\.error  ", line), line


def test_serve_logs_json_lines_to_a_pipe(tmp_path):
    entry = json.loads(_first_log_line(tmp_path, terminal=False))
    assert entry["level"] == "info" and entry["logger"] == "uvicorn.error"
