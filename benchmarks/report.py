"""The table: one line per (engine, row), aligned columns, plain text."""

from __future__ import annotations

from benchmarks.timing import Result

HEADERS = ("engine", "row", "ops", "total s", "µs/op", "ops/s", "queries/op")


def _cells(r: Result) -> tuple[str, ...]:
    sql = "-" if r.sql_per_op is None else f"{r.sql_per_op:g}"
    return (
        r.engine,
        r.label,
        f"{r.ops:,}",
        f"{r.total_s:.3f}",
        f"{r.us_per_op:,.1f}",
        f"{r.ops_per_s:,.0f}",
        sql,
    )


def table(results: list[Result]) -> str:
    return aligned(list(HEADERS), [list(_cells(r)) for r in results])


def aligned(header: list[str], body: list[list[str]]) -> str:
    """A plain-text table: the first two columns (engine, row) left-aligned, numbers right."""
    rows = [header, *body]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return "  ".join(
            c.ljust(w) if i < 2 else c.rjust(w)
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    return "\n".join([line(header), "  ".join("-" * w for w in widths), *map(line, body)])
