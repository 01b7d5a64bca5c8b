"""A real ``tenantry serve`` process on a loopback port, for what only a real server shows."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from tests.e2e.conftest import free_port

TENANTRY = Path(sys.executable).with_name("tenantry")


@contextlib.contextmanager
def serving(folder: Path, policy: str = "distribu", *, demo: bool = False) -> Iterator[str]:
    """``tenantry serve`` over a new SQLite file in ``folder``; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "TENANTRY_DATABASE_URL": f"sqlite:///{folder / 'served.db'}",
        "TENANTRY_POLICY": policy,
        "TENANTRY_MAILBOX_DIR": str(folder / "mailbox"),
        "TENANTRY_LOG_LEVEL": "warning",
    }
    args = [str(TENANTRY), "serve", "--port", str(port), *(["--demo"] if demo else [])]
    with (folder / "served.log").open("ab") as log:
        proc = subprocess.Popen(
            args, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, (folder / "served.log").read_text()
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            assert time.monotonic() < deadline, "tenantry serve did not start"
            time.sleep(0.1)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
