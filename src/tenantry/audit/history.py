"""Access history: who held what in an organization at an instant, and who granted it.

The audit trail is the history: every grant and revocation of an organization role, a direct
permission or a cross-organization role is an event in the organization's chain, written in
the transaction that made it, with its actor. Replaying the chain gives the grants in force
at any instant T, each with the event that made it and who made it; the engine then says
what they give, with the reasons it gives today (roles, combinations, direct grants).

"At T" is the longest prefix of the chain (commit order) whose events all happened at or
before T: a cut that some reader could have seen, even when two writers' clocks interleave.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry.audit.models import AuditEvent
from tenantry.authz.loader import org_node
from tenantry.engine.evaluate import explain, org_mask
from tenantry.engine.snapshot import AccessSnapshot, OrgNode
from tenantry.errors import Invalid
from tenantry.orgs.models import Organization
from tenantry.orgs.service import creator_grants
from tenantry.policy import Policy
from tenantry.policy.model import ORGANIZATION

ROLE, PERMISSION, CROSS_ROLE = "role", "permission", "cross_role"
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
)


@dataclass(frozen=True, slots=True)
class Grant:
    kind: str  # role, permission or cross_role
    name: str
    since: datetime
    event_id: str  # the audit event that made it
    granted_by: str  # that event's actor (email, "operator", "api-key:<name>")
    granted_by_id: str | None


@dataclass
class Holder:
    user_id: str
    label: str
    member: bool = False
    grants: dict[tuple[str, str], Grant] = field(default_factory=dict)

    def names(self, kind: str) -> frozenset[str]:
        return frozenset(name for k, name in self.grants if k == kind)


def _set(holder: Holder, kind: str, names: Iterable[str], event: AuditEvent) -> None:
    """The holder now has exactly ``names`` of this kind: kept ones keep their start."""
    wanted = set(names)
    for key in [k for k in holder.grants if k[0] == kind and k[1] not in wanted]:
        del holder.grants[key]
    for name in wanted:
        holder.grants.setdefault((kind, name), _grant(kind, name, event))


def _grant(kind: str, name: str, event: AuditEvent) -> Grant:
    return Grant(kind, name, event.occurred_at, event.id, event.actor, event.actor_id)


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
        _set(who, ROLE, roles, event)
        _set(who, PERMISSION, perms, event)
        return
    if event.target_id is None:
        return
    who = holder(event.target_id, event.target)
    if event.action == "member.added":
        who.member = True
        _set(who, ROLE, after.get("roles", []), event)
        _set(who, PERMISSION, after.get("permissions", []), event)
    elif event.action == "member.roles_changed":
        _set(who, ROLE, after.get("roles", []), event)
    elif event.action == "member.permissions_changed":
        _set(who, PERMISSION, after.get("permissions", []), event)
    elif event.action in ("member.removed", "member.left"):
        who.member = False
        who.grants.clear()  # removal revokes everything there, cross-organization roles too
    elif event.action == "org.ownership_transferred":
        if "roles" in after:
            _set(who, ROLE, after["roles"], event)
        if "permissions" in after:
            _set(who, PERMISSION, after["permissions"], event)
        for user_id, roles in (after.get("previous_owners") or {}).items():
            _set(holder(user_id, None), ROLE, roles, event)
    elif event.action == "cross_role.granted":
        _set(who, CROSS_ROLE, who.names(CROSS_ROLE) | {after.get("role", "")}, event)
    elif event.action == "cross_role.revoked":
        _set(who, CROSS_ROLE, who.names(CROSS_ROLE) - {before.get("role", "")}, event)


@dataclass(frozen=True, slots=True)
class Moment:
    """The organization's grants at an instant, and the last event that cut includes."""

    at: datetime
    holders: dict[str, Holder]
    last_event_id: str | None
    last_seq: int


def grants_at(session: Session, policy: Policy, org: OrgNode, kind: str, at: datetime) -> Moment:
    """Replay the organization's grant events up to ``at`` (see the module's docstring)."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.org_id == org.id, AuditEvent.action.in_(GRANTING))
        .order_by(AuditEvent.seq)
        .execution_options(yield_per=1000)
    )
    holders: dict[str, Holder] = {}
    last_id, last_seq = None, 0
    result = session.scalars(query)
    try:
        for event in result:
            if event.occurred_at > at:
                break
            _apply(policy, holders, event, kind)
            last_id, last_seq = event.id, event.seq or 0
    finally:  # stopping at T closes the server-side cursor at once
        result.close()
    return Moment(at, holders, last_id, last_seq)


def snapshot_of(org: OrgNode, holder: Holder) -> AccessSnapshot:
    return AccessSnapshot(
        user_id=holder.user_id,
        org=org,
        is_member=holder.member,
        roles=holder.names(ROLE),
        direct=holder.names(PERMISSION),
        cross_roles=holder.names(CROSS_ROLE),
    )


@dataclass(frozen=True, slots=True)
class Permitted:
    permission: str
    reasons: tuple[str, ...]  # the engine's explanation
    grants: tuple[Grant, ...]  # the grants behind it


def permitted(policy: Policy, org: OrgNode, holder: Holder) -> list[Permitted]:
    """Every organization permission the holder had, why, and by which grants."""
    snap = snapshot_of(org, holder)
    mask = org_mask(policy, snap)
    out = []
    for perm in policy.org_permissions:
        if not mask & perm.mask:
            continue
        behind = tuple(g for g in holder.grants.values() if _gives(policy, org, g, perm.mask))
        if not behind:  # a combination of roles gives it, none alone
            behind = tuple(g for g in holder.grants.values() if g.kind != PERMISSION)
        out.append(Permitted(perm.id, explain(policy, snap, perm.id).reasons, behind))
    return out


def _gives(policy: Policy, org: OrgNode, grant: Grant, mask: int) -> bool:
    alone = Holder("", "", member=True, grants={(grant.kind, grant.name): grant})
    return bool(org_mask(policy, replace(snapshot_of(org, alone), user_id="")) & mask)


@dataclass(frozen=True, slots=True)
class UserAccess:
    holder: Holder
    permissions: list[Permitted]


def access_of(
    session: Session, policy: Policy, org: Organization, at: datetime, user_id: str
) -> tuple[Moment, UserAccess]:
    """What ``user_id`` could do in the organization at ``at``, and by which grants."""
    node = org_node(session, policy, org)
    moment = grants_at(session, policy, node, org.kind, at)
    holder = moment.holders.get(user_id) or Holder(user_id, user_id)
    return moment, UserAccess(holder, permitted(policy, node, holder))


def holders_of(
    session: Session, policy: Policy, org: Organization, at: datetime, permission: str
) -> tuple[Moment, list[tuple[Holder, Permitted]]]:
    """Everyone who could do ``permission`` in the organization at ``at``, and why."""
    found_perm = policy.permissions.get(permission)
    if found_perm is None or found_perm.scope != ORGANIZATION:
        raise Invalid(f"{permission!r} is not an organization permission of this policy.")
    node = org_node(session, policy, org)
    moment = grants_at(session, policy, node, org.kind, at)
    found = []
    for holder in sorted(moment.holders.values(), key=lambda h: h.label):
        for item in permitted(policy, node, holder):
            if item.permission == permission:
                found.append((holder, item))
    return moment, found
