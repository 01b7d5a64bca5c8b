"""``tenantry policy check`` and ``tenantry policy show``."""

from __future__ import annotations

from typing import Annotated

import typer

from tenantry.cli import _policy_text
from tenantry.cli._context import state
from tenantry.policy import PolicyError, load_policy

app = typer.Typer(help="Validate and display policy files and presets.", no_args_is_help=True)


@app.command()
def check(
    file: Annotated[str, typer.Argument(help="A policy TOML file (or a preset name).")],
) -> None:
    """Load and validate a policy. Exit 0 when valid; 1 with the key path that is wrong."""
    try:
        policy = load_policy(file)
    except PolicyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"ok: {policy.name} — {_policy_text.summary(policy)}")


@app.command()
def show(
    ctx: typer.Context,
    preset_or_file: Annotated[
        str | None,
        typer.Argument(help="A preset name or a policy file; default: the active --policy."),
    ] = None,
) -> None:
    """Print the permission matrix (organization roles, then each resource type's roles)
    and the policy's rules in words."""
    policy = load_policy(preset_or_file or state(ctx).policy_name)
    typer.echo(_policy_text.render(policy))
