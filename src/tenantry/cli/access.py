"""``tenantry access``: everything a user may do in an organization, and why, as tables."""

from __future__ import annotations

from typing import Annotated

import typer

from tenantry.accounts.service import user_by_email
from tenantry.audit import history, resource_history
from tenantry.audit.service import make_filter, parse_time
from tenantry.authz.loader import resource_node
from tenantry.cli._context import state
from tenantry.cli._output import echo_table
from tenantry.core import Tenantry
from tenantry.engine.evaluate import explain, org_sources, resource_sources
from tenantry.errors import Invalid
from tenantry.orgs.service import get_org
from tenantry.resources.service import list_resources


def access(
    ctx: typer.Context,
    user_email: Annotated[str, typer.Argument(help="The user's email.")],
    org_id: Annotated[str, typer.Argument(help="The organization's id.")],
    at: Annotated[
        str | None,
        typer.Option(
            "--at",
            help="An instant (ISO 8601, no zone = UTC): what the user could do then, with "
            "the grant, who made it and its audit event (organization permissions).",
        ),
    ] = None,
) -> None:
    """The user's effective permissions in the organization (with the role, grant or rule
    behind each), then every resource with what they hold on it and why."""
    t = state(ctx).tenantry()
    if at is not None:
        access_then(t, user_email, org_id, at)
        return
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


def access_then(t: Tenantry, user_email: str, org_id: str, at: str) -> None:
    """``--at``: the history replayed from the audit trail (tenantry.audit.history)."""
    when = make_filter(since=parse_time(at, "--at")).since
    if when is None:
        raise Invalid("--at needs an instant, like 2026-12-01T09:30.")
    with t.db.reading() as s:
        user = user_by_email(s, user_email)
        moment, found = history.access_of(s, t.policy, get_org(s, org_id), when, user.id)
    held = found.holder
    state_word = "a member" if held.member else "not a member"
    typer.echo(
        f"{user.email} at {when.isoformat()}: {state_word}; as of event {moment.last_event_id}"
    )
    every = [
        *held.grants.values(),
        *moment.inherited.get(held.user_id, ()),
        *held.resource_roles.values(),
    ]
    grants = [
        [
            g.kind,
            g.name + (f" on {moment.resources[g.resource_id].name}" if g.resource_id else ""),
            g.since.isoformat(timespec="seconds"),
            g.granted_by,
            g.event_id,
        ]
        for g in every
    ]
    echo_table(["grant", "name", "since", "granted by", "event"], grants, empty="no grants then")
    typer.echo("")
    rows = [
        [
            t.policy.permissions[p.permission].label,
            p.permission,
            "; ".join(p.reasons),
            ", ".join(f"{g.name} (event {g.event_id})" for g in p.grants),
        ]
        for p in found.permissions
    ]
    echo_table(["permission", "id", "why", "grants"], rows, empty="no permissions then")
    on_resources = []
    for res in sorted(moment.resources.values(), key=lambda r: (r.type, r.name)):
        found_there = resource_history.permitted_on(
            t.policy, moment.snapshot, held, res.node(org_id)
        )
        if found_there:
            on_resources.append(
                [
                    t.policy.resource_types[res.type].label,
                    res.name,
                    ", ".join(p.permission for p in found_there),
                    "; ".join(dict.fromkeys(r for p in found_there for r in p.reasons)),
                ]
            )
    if on_resources:
        typer.echo("")
        echo_table(["type", "resource", "permissions", "why"], on_resources)
