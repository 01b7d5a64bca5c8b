"""The benchmark must keep running: ``python -m benchmarks --quick`` on a tiny data set prints
every row, and tenantry and casbin agree on every sampled question. Nothing here is timed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from benchmarks.cases import CASBIN_ROWS, DICT_ROWS, FAST_ROWS, TENANTRY_ROWS
from benchmarks.orgsize import ROWS as SIZE_ROWS
from benchmarks.report import HEADERS

ROOT = Path(__file__).resolve().parents[2]
EXPECTED = (
    [("tenantry/sqlite", row) for row in TENANTRY_ROWS]
    + [("casbin", row) for row in CASBIN_ROWS]
    + [("casbin/fast", row) for row in FAST_ROWS]
    + [("dict", row) for row in DICT_ROWS]
)


def test_quick_benchmark_prints_every_row_and_full_agreement() -> None:
    env = {k: v for k, v in os.environ.items() if k != "TENANTRY_BENCH_DATABASE_URL"}
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    out = run.stdout

    agreement = re.search(r"(\d+)/(\d+) checks agree \(100\.0%.*?(\d+)/(\d+) lookups agree", out)
    assert agreement, out
    checks, of, lookups, lookups_of = map(int, agreement.groups())
    assert checks == of > 0 and lookups == lookups_of > 0

    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:2] == list(HEADERS[:2]))
    rows = lines[header + 2 :]
    for engine, label in EXPECTED:
        matching = [r for r in rows if r.startswith(engine + " ") and f" {label} " in r]
        assert len(matching) == 1, f"{engine} / {label} missing from\n{out}"
        numbers = matching[0].split(label, 1)[1].split()
        assert len(numbers) == len(HEADERS) - 2, matching[0]
        assert float(numbers[2].replace(",", "")) > 0  # µs/op

    # the HTTP table: the peer and tenantry serve (one process and two), every answer a 200
    http = [r for r in rows if re.match(r"(fastapi\+dict|tenantry/sqlite) +(single|batch)", r)]
    for kind in ("fastapi+dict", "tenantry/sqlite"):
        mine = [r for r in http if r.startswith(kind + " ")]
        for label in ("one at a time", "16 connections", "open loop", "batch of 1,000"):
            assert any(label in r for r in mine), f"HTTP row {kind} / {label} missing:\n{out}"
    assert any("(2 workers)" in r for r in http), out
    assert all(r.split()[-1] == "0" for r in http), f"a non-200 answer in\n{out}"

    # the organization-size table: every operation at the three quick sizes, with its ratio
    for label in SIZE_ROWS:
        exact = re.compile(rf"tenantry/sqlite +{re.escape(label)}  ")  # not "remove one member"
        matching = [r for r in rows if exact.match(r)]
        assert len(matching) == 1, f"size row {label} missing from\n{out}"
        cells = matching[0].split(label, 1)[1].split()
        assert [cells[i] for i in (1, 3, 5)] == ["ms"] * 3, matching[0]
        assert all(float(cells[i]) > 0 for i in (0, 2, 4)) and cells[6].endswith("x")
