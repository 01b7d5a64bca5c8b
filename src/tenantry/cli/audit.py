"""``tenantry audit verify | head``: check an organization's audit hash chain, and print its
head for the operator to keep elsewhere (the anchor a later ``verify`` compares with)."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import select

from tenantry.audit import chain
from tenantry.audit.models import AuditEvent
from tenantry.cli._context import CliError, state
from tenantry.errors import NotFound

app = typer.Typer(help="The audit trail (as the operator).", no_args_is_help=True)

BROKEN_EXIT = 1


def _anchor(value: str | None) -> tuple[int, str] | None:
    if value is None:
        return None
    seq, _, digest = value.partition(":")
    if not seq.isdigit() or int(seq) < 1 or len(digest) != 64:
        raise CliError(f"--anchor takes SEQ:HASH as 'tenantry audit head' prints it, not {value!r}")
    return int(seq), digest.lower()


@app.command()
def verify(
    ctx: typer.Context,
    org_id: Annotated[str, typer.Argument(help="The organization's id.")],
    anchor: Annotated[
        str | None,
        typer.Option("--anchor", help="SEQ:HASH kept from 'tenantry audit head' earlier."),
    ] = None,
) -> None:
    """Recompute every event's hash and link; report the first broken one (exit status 1)."""
    kept = _anchor(anchor)
    t = state(ctx).tenantry()
    with t.db.reading() as s:
        verdict = chain.verify(s, org_id, anchor=kept)
        unknown = verdict.head_seq is None and verdict.checked == 0 and verdict.broken is None
        if unknown and s.scalar(select(AuditEvent.id).where(AuditEvent.org_id == org_id)) is None:
            raise NotFound("No such organization, and no audit events for it.")
    gone = " (the organization is deleted: its head is gone)" if verdict.head_seq is None else ""
    if verdict.broken is None:
        typer.echo(f"intact: {verdict.checked} events{gone}")
        return
    where = f" (event {verdict.broken.event_id})" if verdict.broken.event_id else ""
    typer.echo(
        f"BROKEN at {verdict.broken.seq}{where}: {verdict.broken.problem}; "
        f"{verdict.checked} events before it hold{gone}"
    )
    raise typer.Exit(BROKEN_EXIT)


@app.command()
def head(
    ctx: typer.Context,
    org_id: Annotated[str, typer.Argument(help="The organization's id.")],
) -> None:
    """Print the chain head as SEQ:HASH, to keep somewhere the database's operators cannot
    edit (a daily log line, a ticket); pass it to 'tenantry audit verify --anchor' later."""
    t = state(ctx).tenantry()
    with t.db.reading() as s:
        found = chain.at_head(s, org_id)
    if found is None:
        raise NotFound("No such organization.")
    seq, digest = found
    typer.echo(f"{seq}:{digest or chain.GENESIS}")
