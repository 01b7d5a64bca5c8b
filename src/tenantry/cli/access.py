"""``tenantry access``: everything a user may do in an organization, and why, as tables."""

from __future__ import annotations

from typing import Annotated

import typer

from tenantry.accounts.service import user_by_email
from tenantry.authz.loader import resource_node
from tenantry.cli._context import state
from tenantry.cli._output import echo_table
from tenantry.engine.evaluate import explain, org_sources, resource_sources
from tenantry.resources.service import list_resources


def access(
    ctx: typer.Context,
    user_email: Annotated[str, typer.Argument(help="The user's email.")],
    org_id: Annotated[str, typer.Argument(help="The organization's id.")],
) -> None:
    """The user's effective permissions in the organization (with the role, grant or rule
    behind each), then every resource with what they hold on it and why."""
    t = state(ctx).tenantry()
    policy = t.policy
    with t.db.sessions() as s:
        user = user_by_email(s, user_email)
        snap = t.authz.snapshot(user.id, org_id, s)
        resources = list_resources(s, org_id)
    mask = 0
    for source in org_sources(policy, snap):
        mask |= source.mask
    rows = [
        [p.category, p.label, p.id, "; ".join(explain(policy, snap, p.id).reasons)]
        for p in policy.org_permissions
        if mask & p.mask
    ]
    typer.echo(f"{user.email} in {snap.org.name}: roles {', '.join(sorted(snap.roles)) or 'none'}")
    echo_table(["category", "permission", "id", "why"], rows, empty="no permissions here")
    if not resources:
        return
    typer.echo("")
    res_rows = []
    for res in resources:
        sources = [src for src in resource_sources(policy, snap, resource_node(res)) if src.mask]
        held = 0
        for src in sources:
            held |= src.mask
        res_rows.append(
            [
                policy.resource_types[res.type].label,
                res.name,
                ", ".join(sorted(policy.ids_of(held))) or "—",
                "; ".join(src.reason for src in sources) or "no access",
            ]
        )
    echo_table(["type", "resource", "permissions", "why"], res_rows)
