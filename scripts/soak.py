"""The long run of the cluster tests (tests/cluster) and the catalogue's figures as a table.

    scripts/with-postgres.sh .venv/bin/python scripts/soak.py [--rounds 1000] [--kills 200]
        [--width 50] [--terminations 20] [pytest args, e.g. -k last_seat]

``make soak`` runs it with a throwaway PostgreSQL (ROUNDS=, KILLS=, WIDTH= override the
profile). The same tests run in ``make test`` with a small profile; here every test writes
its figures (rounds, stale reads, winners per round, kills, backend terminations,
acknowledged and lost writes) to a file, printed as one table at the end. Exits with
pytest's status.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COLUMNS = [
    "test", "rounds", "misses", "winners:rounds", "kills", "terms", "acked", "lost", "5xx",
]  # fmt: skip


def _winners(counts: dict[str, int]) -> str:
    """``{"1": 1000}`` -> ``1:1000``: winners in a round, and how many rounds had that many."""
    return " ".join(f"{n}:{rounds}" for n, rounds in counts.items()) or "-"


def table(rows: list[dict[str, object]]) -> str:
    lines = []
    for row in rows:
        lines.append(
            [
                str(row["test"]).removeprefix("test_"),
                str(row["rounds"]),
                str(row["misses"]),
                _winners(row["winners"]),  # type: ignore[arg-type]
                str(row["kills"]),
                str(row["terminations"]),
                str(row["acknowledged"]),
                str(row["lost"]),
                str(row["server_errors"]),
            ]
        )
    totals = ["total"] + [
        str(sum(int(line[i]) for line in lines)) if i != 3 else "" for i in range(1, len(COLUMNS))
    ]
    widths = [max(len(c), *(len(line[i]) for line in [*lines, totals])) for i, c in
              enumerate(COLUMNS)]  # fmt: skip

    def fmt(cells: list[str]) -> str:
        return "  ".join(
            cell.ljust(w) if i in (0, 3) else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(cells, widths, strict=True))
        )

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([fmt(COLUMNS), rule, *map(fmt, lines), rule, fmt(totals)])


def notes(rows: list[dict[str, object]]) -> str:
    out = []
    for row in rows:
        extra = row.get("notes") or {}
        if extra:
            shown = ", ".join(f"{k}: {v}" for k, v in extra.items())  # type: ignore[union-attr]
            out.append(f"  {str(row['test']).removeprefix('test_')}: {shown}")
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--kills", type=int, default=200)
    parser.add_argument("--width", type=int, default=50, help="concurrent requests per race")
    parser.add_argument("--terminations", type=int, default=20)
    args, pytest_args = parser.parse_known_args()
    if not os.environ.get("TENANTRY_TEST_DATABASE_URL"):
        print("soak: needs PostgreSQL; run it as scripts/with-postgres.sh ... (make soak)")
        return 2
    with tempfile.TemporaryDirectory(prefix="tenantry-soak-") as tmp:
        figures = Path(tmp) / "figures.jsonl"
        env = {
            **os.environ,
            "TENANTRY_SOAK_ROUNDS": str(args.rounds),
            "TENANTRY_SOAK_KILLS": str(args.kills),
            "TENANTRY_SOAK_WIDTH": str(args.width),
            "TENANTRY_SOAK_TERMINATIONS": str(args.terminations),
            "TENANTRY_SOAK_FIGURES": str(figures),
        }
        started = time.monotonic()
        command = [sys.executable, "-m", "pytest", "-q", "-W", "error", "tests/cluster"]
        status = subprocess.call([*command, *pytest_args], cwd=ROOT, env=env)
        elapsed = time.monotonic() - started
        rows = [json.loads(line) for line in figures.read_text().splitlines()] if (
            figures.exists()
        ) else []  # fmt: skip
    print(
        f"\nsoak: rounds={args.rounds} kills={args.kills} width={args.width} "
        f"terminations={args.terminations}, {elapsed / 60:.1f} min, pytest exit {status}\n"
    )
    if rows:
        print(table(rows))
        print("\nper test (response codes and outcomes):")
        print(notes(rows))
    return status


if __name__ == "__main__":
    sys.exit(main())
