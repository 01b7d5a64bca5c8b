"""``tenantry org create | list | transfer-ownership``: operator actions."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import select

from tenantry.accounts.service import user_by_email
from tenantry.accounts.verification import require_verified
from tenantry.cli._context import state
from tenantry.cli._output import echo_table
from tenantry.members.service import list_members, transfer_ownership
from tenantry.orgs.models import Organization
from tenantry.orgs.service import create_org, get_org, member_count
from tenantry.writes import Actor

app = typer.Typer(help="Organizations (as the operator).", no_args_is_help=True)


@app.command()
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The organization's name.")],
    owner: Annotated[
        str, typer.Option("--owner", help="Email of an existing user who becomes its owner.")
    ],
    kind: Annotated[
        str | None, typer.Option("--kind", help="Organization kind; default: the policy's.")
    ] = None,
    parent: Annotated[
        str | None, typer.Option("--parent", help="Id of the parent organization.")
    ] = None,
    seat_cap: Annotated[
        int | None, typer.Option("--seat-cap", min=1, help="Most members plus pending invites.")
    ] = None,
) -> None:
    """Create an organization owned by an existing user (see 'tenantry user create')."""
    t = state(ctx).tenantry()
    with t.db.transaction() as s:
        creator = user_by_email(s, owner)
        require_verified(creator, "organizations are given")  # not to a squatted address
        org = create_org(
            s,
            t.authz,
            actor=Actor.operator(),
            creator=creator,
            name=name,
            kind=kind,
            parent_id=parent,
            seat_cap=seat_cap,
        )
    typer.echo(f"created organization {org.id} {org.name!r} ({org.kind}), owner {creator.email}")


@app.command("list")
def list_(ctx: typer.Context) -> None:
    """Every organization: id, name, kind, parent, members, seat cap."""
    t = state(ctx).tenantry()
    with t.db.sessions() as s:
        orgs = s.scalars(select(Organization).order_by(Organization.name, Organization.id)).all()
        rows = [
            [
                org.id,
                org.name,
                org.kind,
                org.parent_id or "—",
                str(member_count(s, org.id)),
                str(org.seat_cap) if org.seat_cap else "—",
            ]
            for org in orgs
        ]
    echo_table(
        ["id", "name", "kind", "parent", "members", "seat cap"], rows, empty="no organizations"
    )


@app.command("transfer-ownership")
def transfer(
    ctx: typer.Context,
    org_id: Annotated[str, typer.Argument(help="The organization's id.")],
    to: Annotated[str, typer.Option("--to", help="Email of the member who becomes the owner.")],
    previous_owner_role: Annotated[
        str | None,
        typer.Option(
            "--previous-owner-role",
            help="Role the previous owner keeps; default: the highest assignable role.",
        ),
    ] = None,
) -> None:
    """Hand an organization's ownership to one of its members (the seeds' "contact support")."""
    t = state(ctx).tenantry()
    with t.db.transaction() as s:
        org = get_org(s, org_id)
        user = user_by_email(s, to)
        require_verified(user, "organizations are handed over")  # not to a squatted address
        transfer_ownership(
            s,
            t.authz,
            actor=Actor.operator(),
            org_id=org_id,
            to_user_id=user.id,
            previous_owner_role=previous_owner_role,
        )
        after = list_members(s, org_id)
    typer.echo(f"transferred ownership of {org.name!r} to {user.email}")
    policy = t.policy
    for member in after:
        roles = ", ".join(policy.roles[r].label for r in member.roles if r in policy.roles)
        if roles:
            typer.echo(f"  {member.email}: {roles}")
