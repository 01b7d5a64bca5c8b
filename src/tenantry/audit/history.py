"""Access history: who held what in an organization at an instant, and who granted it.

The audit trail is the history: every grant and revocation of an organization role, a direct
permission, a cross-organization role or a resource role, every hand-removal of a derived
resource role, and every resource's creation, change and deletion is an event in the
organization's chain, written in the transaction that made it, with its actor. Replaying the
chain gives the grants in force at any instant T, each with the event that made it and who
made it; roles held on ancestor organizations come from their own chains, replayed to the
same T. The engine then says what they gave, with the reasons it gives today (roles,
combinations, direct grants, derived resource roles, caps, inheritance), under the policy in
force now.

"At T" is the longest prefix of the chain (commit order) whose events all happened at or
before T: a cut that some reader could have seen, even when two writers' clocks interleave.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry.audit import resource_history
from tenantry.audit.grants import (
    CROSS_ROLE,
    INHERITED_ROLE,
    PERMISSION,
    ROLE,
    Grant,
    Holder,
    Permitted,
    set_grants,
)
from tenantry.audit.models import AuditEvent
from tenantry.audit.resource_history import ResourceState
from tenantry.authz.loader import org_node
from tenantry.engine.evaluate import explain, org_mask
from tenantry.engine.snapshot import AccessSnapshot, AncestorAccess, OrgNode
from tenantry.errors import Invalid, NotFound
from tenantry.orgs.models import Organization
from tenantry.orgs.service import creator_grants
from tenantry.policy import Policy
from tenantry.policy.model import ORGANIZATION

__all__ = ["CROSS_ROLE", "PERMISSION", "ROLE", "Grant", "Holder", "Permitted"]

GRANTING = (
    "org.created",
    "member.added",
    "member.roles_changed",
    "member.permissions_changed",
    "member.removed",
    "member.left",
    "org.ownership_transferred",
    "cross_role.granted",
    "cross_role.revoked",
    *resource_history.RESOURCE_EVENTS,
)


def _apply(policy: Policy, holders: dict[str, Holder], event: AuditEvent, kind: str) -> None:
    before: dict[str, Any] = event.before or {}
    after: dict[str, Any] = event.after or {}

    def holder(user_id: str, label: str | None) -> Holder:
        found = holders.setdefault(user_id, Holder(user_id, label or user_id))
        if label:
            found.label = label
        return found

    if event.action == "org.created":
        owner_id = after.get("owner_id")
        if owner_id is None:
            return  # an organization created by the operator with no owner (or pre-history)
        roles, perms = after.get("roles"), after.get("permissions")
        if roles is None or perms is None:
            roles, perms = creator_grants(policy, kind)
        who = holder(owner_id, after.get("owner"))
        who.member = True
        set_grants(who, ROLE, roles, event)
        set_grants(who, PERMISSION, perms, event)
        return
    if event.target_id is None:
        return
    who = holder(event.target_id, event.target)
    if event.action == "member.added":
        who.member = True
        set_grants(who, ROLE, after.get("roles", []), event)
        set_grants(who, PERMISSION, after.get("permissions", []), event)
    elif event.action == "member.roles_changed":
        set_grants(who, ROLE, after.get("roles", []), event)
    elif event.action == "member.permissions_changed":
        set_grants(who, PERMISSION, after.get("permissions", []), event)
    elif event.action in ("member.removed", "member.left"):
        who.leave()  # removal revokes everything there, cross-organization roles too
    elif event.action == "org.ownership_transferred":
        if "roles" in after:
            set_grants(who, ROLE, after["roles"], event)
        if "permissions" in after:
            set_grants(who, PERMISSION, after["permissions"], event)
        for user_id, roles in (after.get("previous_owners") or {}).items():
            set_grants(holder(user_id, None), ROLE, roles, event)
    elif event.action == "cross_role.granted":
        set_grants(who, CROSS_ROLE, who.names(CROSS_ROLE) | {after.get("role", "")}, event)
    elif event.action == "cross_role.revoked":
        set_grants(who, CROSS_ROLE, who.names(CROSS_ROLE) - {before.get("role", "")}, event)


@dataclass(frozen=True, slots=True)
class Moment:
    """The organization's grants at an instant, and the last event that cut includes."""

    at: datetime
    org: OrgNode
    holders: dict[str, Holder]
    resources: dict[str, ResourceState]
    last_event_id: str | None
    last_seq: int
    # roles held on ancestor organizations at the same instant, per user
    ancestors: dict[str, tuple[AncestorAccess, ...]] = field(default_factory=dict)
    inherited: dict[str, tuple[Grant, ...]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # of users known from an ancestor

    def snapshot(self, holder: Holder) -> AccessSnapshot:
        return AccessSnapshot(
            user_id=holder.user_id,
            org=self.org,
            is_member=holder.member,
            roles=holder.names(ROLE),
            direct=holder.names(PERMISSION),
            cross_roles=holder.names(CROSS_ROLE),
            ancestors=self.ancestors.get(holder.user_id, ()),
            resource_roles={rid: g.name for rid, g in holder.resource_roles.items()},
            exclusions=dict(holder.exclusions),
        )

    def candidates(self) -> list[Holder]:
        """Everyone who held anything here or on an ancestor, by label."""
        found = dict(self.holders)
        for user_id in self.inherited:
            found.setdefault(user_id, Holder(user_id, self.labels.get(user_id, user_id)))
        return sorted(found.values(), key=lambda h: h.label)


def _replay(
    session: Session, policy: Policy, org: OrgNode, kind: str, at: datetime
) -> tuple[dict[str, Holder], dict[str, ResourceState], str | None, int]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.org_id == org.id, AuditEvent.action.in_(GRANTING))
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=1000)
    )
    holders: dict[str, Holder] = {}
    resources: dict[str, ResourceState] = {}
    last_id, last_seq = None, 0
    result = session.scalars(query)
    try:
        for event in result:
            if event.occurred_at > at:
                break
            if event.action in resource_history.RESOURCE_EVENTS:
                resource_history.apply_event(policy, holders, resources, event)
            else:
                _apply(policy, holders, event, kind)
            last_id, last_seq = event.id, event.seq or 0
    finally:  # stopping at T closes the server-side cursor at once
        result.close()
    return holders, resources, last_id, last_seq


def grants_at(session: Session, policy: Policy, org: Organization, at: datetime) -> Moment:
    """Replay the organization's grant events up to ``at`` (see the module's docstring),
    and those of the ancestors the policy's inherit rules reach from."""
    node = org_node(session, policy, org)
    holders, resources, last_id, last_seq = _replay(session, policy, node, org.kind, at)
    ancestors: dict[str, list[AncestorAccess]] = {}
    inherited: dict[str, list[Grant]] = {}
    labels: dict[str, str] = {}
    reach = max((rule.depth for rule in policy.inherit), default=0)
    parent_id = org.parent_id
    for distance in range(1, reach + 1):
        parent = session.get(Organization, parent_id) if parent_id else None
        if parent is None:
            break
        parent_node = org_node(session, policy, parent)
        above, *_ = _replay(session, policy, parent_node, parent.kind, at)
        for user_id, holder in above.items():
            held = holder.names(ROLE) | holder.names(CROSS_ROLE)
            if not held:
                continue
            ancestors.setdefault(user_id, []).append(AncestorAccess(parent_node, distance, held))
            labels.setdefault(user_id, holder.label)
            inherited.setdefault(user_id, []).extend(
                replace(g, kind=INHERITED_ROLE, org_id=parent.id)
                for g in holder.grants.values()
                if g.kind in (ROLE, CROSS_ROLE)
            )
        parent_id = parent.parent_id
    return Moment(
        at,
        node,
        holders,
        resources,
        last_id,
        last_seq,
        {uid: tuple(a) for uid, a in ancestors.items()},
        {uid: tuple(g) for uid, g in inherited.items()},
        labels,
    )


def permitted(policy: Policy, moment: Moment, holder: Holder) -> list[Permitted]:
    """Every organization permission the holder had, why, and by which grants."""
    snap = moment.snapshot(holder)
    mask = org_mask(policy, snap)
    grants = [*holder.grants.values(), *moment.inherited.get(holder.user_id, ())]
    out = []
    for perm in policy.org_permissions:
        if not mask & perm.mask:
            continue
        behind = tuple(g for g in grants if _gives(policy, moment, holder, g, perm.mask))
        if not behind:  # a combination of roles gives it, none alone
            behind = tuple(g for g in grants if g.kind != PERMISSION)
        out.append(Permitted(perm.id, explain(policy, snap, perm.id).reasons, behind))
    return out


def _gives(policy: Policy, moment: Moment, holder: Holder, grant: Grant, mask: int) -> bool:
    """Whether the grant alone gives one of ``mask``'s permissions."""
    if grant.kind == INHERITED_ROLE:
        ancestors = moment.ancestors.get(holder.user_id, ())
        ancestor = next(a for a in ancestors if a.org.id == grant.org_id)
        only = AccessSnapshot(
            user_id="",
            org=moment.org,
            is_member=False,
            ancestors=(replace(ancestor, roles=frozenset({grant.name})),),
        )
        return bool(org_mask(policy, only) & mask)
    alone = Holder("", "", member=True, grants={(grant.kind, grant.name): grant})
    return bool(org_mask(policy, moment.snapshot(alone)) & mask)


@dataclass(frozen=True, slots=True)
class UserAccess:
    holder: Holder
    permissions: list[Permitted]


def _resource(moment: Moment, resource_id: str) -> ResourceState:
    found = moment.resources.get(resource_id)
    if found is None:
        raise NotFound("No such resource in this organization at that instant.")
    return found


def access_of(
    session: Session,
    policy: Policy,
    org: Organization,
    at: datetime,
    user_id: str,
    resource_id: str | None = None,
) -> tuple[Moment, UserAccess]:
    """What ``user_id`` could do in the organization (or on one of its resources) at
    ``at``, and by which grants."""
    moment = grants_at(session, policy, org, at)
    holder = moment.holders.get(user_id) or Holder(user_id, moment.labels.get(user_id, user_id))
    if resource_id is None:
        return moment, UserAccess(holder, permitted(policy, moment, holder))
    node = _resource(moment, resource_id).node(org.id)
    found = resource_history.permitted_on(policy, moment.snapshot, holder, node)
    return moment, UserAccess(holder, found)


def holders_of(
    session: Session,
    policy: Policy,
    org: Organization,
    at: datetime,
    permission: str,
    resource_id: str | None = None,
) -> tuple[Moment, list[tuple[Holder, Permitted]]]:
    """Everyone who could do ``permission`` in the organization (or on one of its
    resources) at ``at``, and why."""
    perm = policy.permissions.get(permission)
    if perm is None:
        raise Invalid(f"{permission!r} is not a permission of this policy.")
    if resource_id is None and perm.scope != ORGANIZATION:
        raise Invalid(f"{permission} is a {perm.scope} permission: name the {perm.scope}.")
    moment = grants_at(session, policy, org, at)
    if resource_id is not None:
        state = _resource(moment, resource_id)
        if perm.scope != state.type:
            raise Invalid(f"{permission} applies to a {perm.scope}, not a {state.type}.")
    found: list[tuple[Holder, Permitted]] = []
    for holder in moment.candidates():
        if resource_id is None:
            items = permitted(policy, moment, holder)
        else:
            node = moment.resources[resource_id].node(org.id)
            items = resource_history.permitted_on(policy, moment.snapshot, holder, node)
        found.extend((holder, item) for item in items if item.permission == permission)
    return moment, found
