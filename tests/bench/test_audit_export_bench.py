"""The audit export benchmark keeps running: on a small trail it streams every event through
a real ``tenantry serve`` (no Content-Length: written while read) and prints the server's
peak RSS under the limit. Nothing here is timed."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_export_benchmark_streams_every_event_under_the_memory_limit() -> None:
    run = subprocess.run(
        [sys.executable, "scripts/audit_export_bench.py", "--events", "3000", "--format", "csv"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr[-3000:]
    assert "exported 3,003 lines" in run.stdout  # header, org.created, the key, 3000 events
    assert "streamed (no Content-Length): True" in run.stdout
    peak = re.search(r"server peak RSS: ([\d.]+) MB", run.stdout)
    assert peak and float(peak.group(1)) < 200
