"""``tenantry member list``."""

from __future__ import annotations

from typing import Annotated

import typer

from tenantry.cli._context import state
from tenantry.cli._output import echo_table
from tenantry.members.service import MemberView, list_members
from tenantry.orgs.service import get_org
from tenantry.policy import Policy

app = typer.Typer(help="Organization members.", no_args_is_help=True)


def _permissions(policy: Policy, member: MemberView) -> str:
    every = {p.id for p in policy.org_permissions}
    if every and every <= set(member.permissions):
        return f"all ({len(every)})"
    return ", ".join(member.permissions) or "—"


@app.command("list")
def list_(
    ctx: typer.Context, org_id: Annotated[str, typer.Argument(help="The organization's id.")]
) -> None:
    """Members by email: name, organization roles, directly granted permissions, last active."""
    t = state(ctx).tenantry()
    with t.db.sessions() as s:
        get_org(s, org_id)
        members = list_members(s, org_id)
    policy = t.policy
    rows = [
        [
            m.email,
            m.name,
            ", ".join(policy.roles[r].label if r in policy.roles else r for r in m.roles) or "—",
            _permissions(policy, m),
            m.last_active_at.strftime("%Y-%m-%d %H:%M UTC") if m.last_active_at else "never",
        ]
        for m in members
    ]
    echo_table(["email", "name", "roles", "permissions", "last active"], rows, empty="no members")
