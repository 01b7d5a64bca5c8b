"""``tenantry user create``."""

from __future__ import annotations

from typing import Annotated

import typer

from tenantry.accounts.passwords import hash_new_password
from tenantry.accounts.service import create_user
from tenantry.accounts.verification import mark_verified
from tenantry.cli._context import CliError, state
from tenantry.writes import Actor

app = typer.Typer(help="User accounts.", no_args_is_help=True)


@app.command()
def create(
    ctx: typer.Context,
    email: Annotated[str, typer.Argument(help="The account's email address.")],
    name: Annotated[str, typer.Option("--name", help="The person's name.")],
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin",
            help="Read the password from the first line of standard input; without it, the "
            "account has no password until one is set.",
        ),
    ] = False,
    verified: Annotated[
        bool,
        typer.Option(
            "--verified",
            help="The operator vouches for the address: count it as confirmed (otherwise the "
            "account confirms it with the mailed link, an invitation link or a reset).",
        ),
    ] = False,
) -> None:
    """Create a user account (it can then own organizations and join them)."""
    password = None
    if password_stdin:
        password = typer.get_text_stream("stdin").readline().rstrip("\r\n")
        if not password:
            raise CliError("--password-stdin was given but standard input held no password")
    hashed = hash_new_password(password) if password is not None else None
    t = state(ctx).tenantry()
    with t.db.transaction() as s:  # opened after argon2: the write lock is not held through it
        user = create_user(s, email=email, name=name, password=hashed)
        if verified:
            mark_verified(s, user, actor=Actor.operator(), how="the operator")
    typer.echo(f"created user {user.id} {user.email}{'' if verified else ' (unconfirmed)'}")
