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
    rows = [HEADERS, *(_cells(r) for r in results)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADERS))]
    left = {0, 1}  # text columns; numbers are right-aligned

    def line(row: tuple[str, ...]) -> str:
        return "  ".join(
            c.ljust(w) if i in left else c.rjust(w)
            for i, (c, w) in enumerate(zip(row, widths, strict=True))
        ).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(rows[0]), rule, *(line(r) for r in rows[1:])])


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
