"""Access history on resources: which resources stood at an instant (type, name, visibility)
and each member's explicit role and hand-removed derived roles on them, replayed from the
events that made them (``resource.*``, and ``invitation.accepted`` for the resource roles
an invitation gives). What the rows gave is the engine's answer as of then: derived roles
(auto-Admin on every checkout), caps by organization role, removals by hand."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tenantry.audit.grants import RESOURCE_ROLE, ROLE, Grant, Holder, Permitted, grant_of
from tenantry.audit.models import AuditEvent
from tenantry.engine.evaluate import explain, resource_mask, rules_reaching
from tenantry.engine.snapshot import AccessSnapshot, ResourceNode
from tenantry.policy import Policy
from tenantry.resources.access_rows import removable_derived, rows_after

RESOURCE_EVENTS = (
    "resource.created",
    "resource.updated",
    "resource.deleted",
    "resource.access_changed",
    "invitation.accepted",
)


@dataclass
class ResourceState:
    id: str
    type: str
    name: str
    visibility: str

    def node(self, org_id: str) -> ResourceNode:
        return ResourceNode(self.id, org_id, self.type, self.name, self.visibility)


def _set_role(holder: Holder, rid: str, role: str | None, event: AuditEvent) -> None:
    kept = holder.resource_roles.get(rid)
    if role is None:
        holder.resource_roles.pop(rid, None)
    elif kept is None or kept.name != role:  # the same role kept keeps its start
        holder.resource_roles[rid] = grant_of(RESOURCE_ROLE, role, event, rid)


def _by_label(holders: dict[str, Holder], label: str) -> Holder | None:
    """Events written before they named the user: the target reads '<email> on <name>'."""
    return next((h for h in holders.values() if h.label == label), None)


def apply_event(
    policy: Policy,
    holders: dict[str, Holder],
    resources: dict[str, ResourceState],
    event: AuditEvent,
) -> None:
    after: dict[str, Any] = event.after or {}
    rid = event.target_id
    if event.action == "invitation.accepted":
        joined = holders.get(after.get("user_id") or "")
        for given in after.get("resource_grants") or ():
            if joined is not None and given["resource_id"] in resources:
                _set_role(joined, given["resource_id"], given["role"], event)
        return
    if rid is None:
        return
    if event.action == "resource.created":
        spec = policy.resource_types.get(event.target_type or "")
        if spec is None:
            return  # a type the policy in force no longer has
        visibility = after.get("visibility") or spec.default_visibility
        resources[rid] = ResourceState(rid, spec.name, event.target or rid, visibility)
        creator = after.get("creator_grant")
        if creator is None and spec.creator_role is not None:  # events before it was named
            who = holders.get(event.actor_id or "")
            if who is not None and who.member:
                creator = {"user_id": who.user_id, "role": spec.creator_role}
        if creator is not None and creator["user_id"] in holders:
            _set_role(holders[creator["user_id"]], rid, creator["role"], event)
        return
    state = resources.get(rid)
    if state is None:
        return
    if event.action == "resource.updated":
        state.name = after.get("name", state.name)
        state.visibility = after.get("visibility", state.visibility)
    elif event.action == "resource.deleted":
        del resources[rid]
        for holder in holders.values():
            holder.resource_roles.pop(rid, None)
            holder.exclusions.pop(rid, None)
    elif event.action == "resource.access_changed":
        who = holders.get(after.get("user_id") or "") or _by_label(
            holders, (event.target or "").split(" on ")[0]
        )
        if who is None:
            return
        if "grant" in after:  # the rows as kept
            grant, excluded = after["grant"], frozenset(after.get("excluded") or ())
        else:  # older events: the rows the change made, worked out the way the service does
            spec = policy.resource_types[state.type]
            derived = removable_derived(spec, who.names(ROLE), state.visibility)
            grant, excluded = rows_after(
                derived, after.get("role"), who.exclusions.get(rid, frozenset())
            )
        _set_role(who, rid, grant, event)
        if excluded:
            who.exclusions[rid] = excluded
        else:
            who.exclusions.pop(rid, None)


def permitted_on(
    policy: Policy,
    snapshot: Callable[[Holder], AccessSnapshot],
    holder: Holder,
    resource: ResourceNode,
) -> list[Permitted]:
    """Every permission the holder had on the resource, why, and by which grants: the
    resource role that gives it, and the organization roles whose rules derive it."""
    snap = snapshot(holder)
    mask = resource_mask(policy, snap, resource)
    rtype = policy.resource_types[resource.type]
    excluded = holder.exclusions.get(resource.id, frozenset())
    out = []
    for perm in policy.permissions.values():
        if perm.scope != resource.type or not mask & perm.mask:
            continue
        behind: list[Grant] = []
        own = holder.resource_roles.get(resource.id)
        if own is not None and own.name in rtype.roles and rtype.roles[own.name].mask & perm.mask:
            behind.append(own)
        for grant in holder.grants.values():
            if grant.kind == ROLE and any(
                rtype.roles[rule.grant].mask & perm.mask
                and not (rule.removable and rule.grant in excluded)
                for rule in rules_reaching(rtype, frozenset({grant.name}), resource.visibility)
            ):
                behind.append(grant)
        reasons = explain(policy, snap, perm.id, resource).reasons
        out.append(Permitted(perm.id, reasons, tuple(behind)))
    return out
