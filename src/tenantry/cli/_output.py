"""Plain-text tables: aligned columns, a rule under the header, nothing that needs a terminal."""

from __future__ import annotations

from collections.abc import Sequence

import typer

YES = "✓"
NO = "—"


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    *,
    centered: Sequence[int] = (),
    sections: dict[int, str] | None = None,
) -> str:
    """Render rows under headers. ``centered`` lists column indexes to centre (the ✓ / —
    cells); ``sections`` maps a row index to a heading line printed just before that row."""
    widths = [len(h) for h in headers]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = max(widths[i], len(cell))

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.center(widths[i]) if i in centered else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ]
        return "  ".join(parts).rstrip()

    out = [line(headers), "  ".join("─" * w for w in widths)]
    for index, row in enumerate(rows):
        if sections and index in sections:
            out.append(sections[index])
        out.append(line(row))
    return "\n".join(out)


def echo_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, empty: str = "(none)"
) -> None:
    typer.echo(table(headers, rows) if rows else empty)


def mark(held: bool) -> str:
    return YES if held else NO
