"""The grants access history replays: each with when it started and the audit event (and
actor) that made it, kept per holder."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from tenantry.audit.models import AuditEvent

ROLE, PERMISSION, CROSS_ROLE = "role", "permission", "cross_role"
RESOURCE_ROLE = "resource_role"  # a member's explicit role on one resource
INHERITED_ROLE = "inherited_role"  # a role held on an ancestor organization


@dataclass(frozen=True, slots=True)
class Grant:
    kind: str  # role, permission, cross_role, resource_role or inherited_role
    name: str
    since: datetime
    event_id: str  # the audit event that made it
    granted_by: str  # that event's actor (email, "operator", "api-key:<name>")
    granted_by_id: str | None
    resource_id: str | None = None  # a resource role's resource
    org_id: str | None = None  # an inherited role's organization


def grant_of(kind: str, name: str, event: AuditEvent, resource_id: str | None = None) -> Grant:
    return Grant(kind, name, event.occurred_at, event.id, event.actor, event.actor_id, resource_id)


@dataclass
class Holder:
    user_id: str
    label: str
    member: bool = False
    grants: dict[tuple[str, str], Grant] = field(default_factory=dict)
    resource_roles: dict[str, Grant] = field(default_factory=dict)  # resource id -> its role
    exclusions: dict[str, frozenset[str]] = field(default_factory=dict)  # resource id -> roles

    def names(self, kind: str) -> frozenset[str]:
        return frozenset(name for k, name in self.grants if k == kind)

    def leave(self) -> None:
        """Removal revokes everything held there: roles, grants, resource access."""
        self.member = False
        self.grants.clear()
        self.resource_roles.clear()
        self.exclusions.clear()


def set_grants(holder: Holder, kind: str, names: Iterable[str], event: AuditEvent) -> None:
    """The holder now has exactly ``names`` of this kind: kept ones keep their start."""
    wanted = set(names)
    for key in [k for k in holder.grants if k[0] == kind and k[1] not in wanted]:
        del holder.grants[key]
    for name in wanted:
        holder.grants.setdefault((kind, name), grant_of(kind, name, event))


@dataclass(frozen=True, slots=True)
class Permitted:
    permission: str
    reasons: tuple[str, ...]  # the engine's explanation
    grants: tuple[Grant, ...]  # the grants behind it
