"""``tenantry signing-key list|rotate``: the keys that sign access tokens (JWKS)."""

from __future__ import annotations

import typer

from tenantry.access_tokens import service as access_tokens
from tenantry.cli._context import state
from tenantry.writes import Actor

app = typer.Typer(help="The keys that sign access tokens for other services.", no_args_is_help=True)


@app.command("list")
def list_keys(ctx: typer.Context) -> None:
    """The published keys: the one signing now, and retired ones still verifying tokens."""
    t = state(ctx).tenantry()
    with t.db.reading() as s:
        keys = access_tokens.published(s)
    if not keys:
        typer.echo("no signing key yet: the first access token makes one")
    for key in keys:
        status = "signing" if key.retired_at is None else f"retired {key.retired_at:%Y-%m-%d %H:%M}"
        typer.echo(f"{key.id}  {key.algorithm}  created {key.created_at:%Y-%m-%d %H:%M}  {status}")


@app.command()
def rotate(ctx: typer.Context) -> None:
    """Make a new signing key; the old one keeps verifying the tokens it signed until they
    expire (at most an hour), then leaves the JWKS."""
    t = state(ctx).tenantry()
    with t.db.transaction() as s:
        key = access_tokens.rotate(s, t.sealer, actor=Actor.operator())
    typer.echo(f"signing with {key.id}; earlier keys stay published until their tokens expire")
