"""``tenantry check``: may this user do this, and why."""

from __future__ import annotations

from typing import Annotated

import typer

from tenantry.accounts.service import user_by_email
from tenantry.cli._context import state


def check(
    ctx: typer.Context,
    user_email: Annotated[str, typer.Argument(help="The user's email.")],
    permission: Annotated[str, typer.Argument(help="A permission id, e.g. org.members.invite.")],
    org_id: Annotated[str, typer.Argument(help="The organization's id.")],
    resource: Annotated[
        str | None,
        typer.Option("--resource", help="Resource id, for a permission on a resource type."),
    ] = None,
) -> None:
    """Print 'allowed' or 'denied' and the reasons.

    Exit status: 0 allowed, 1 denied, 2 error (unknown user, organization or permission), so
    scripts can write `if tenantry check ...; then`.
    """
    t = state(ctx).tenantry()
    with t.db.sessions() as s:
        user = user_by_email(s, user_email)
    explanation = t.authz.explain(user.id, permission, org_id, resource)
    typer.echo("allowed" if explanation.allowed else "denied")
    for reason in explanation.reasons:
        typer.echo(f"  - {reason}")
    if not explanation.allowed:
        raise typer.Exit(1)
