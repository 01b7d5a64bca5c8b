"""What the viewer may do, read from the policy and the same rules the services enforce.

The dashboard offers only what would succeed; the services still refuse everything else.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial

from sqlalchemy.orm import Session

from tenantry.api.deps import OrgContext
from tenantry.authz.loader import resource_node
from tenantry.core import Tenantry
from tenantry.engine.evaluate import org_mask, rules_reaching
from tenantry.engine.snapshot import AccessSnapshot
from tenantry.errors import DomainError
from tenantry.members import rules
from tenantry.members import service as members
from tenantry.members.listing import MemberView
from tenantry.policy.model import MembershipMode, Permission, Policy, ResourceType, Role
from tenantry.resources import service as resources
from tenantry.resources.models import Resource
from tenantry.resources.visibility import can_see


def _capped(spec: ResourceType, org_roles: frozenset[str], role: str) -> str | None:
    """The resource role an explicit ``role`` really gives under the type's caps, when the
    caps take something away; None when they do not."""
    caps = [spec.caps[r] for r in org_roles if r in spec.caps]
    if not spec.caps or role not in spec.roles:
        return None
    ceiling = 0
    for cap in caps:
        ceiling |= spec.roles[cap].mask
    given = spec.roles[role].mask
    if given & ~ceiling == 0:
        return None
    kept = given & ceiling
    fits = [name for name, r in spec.roles.items() if r.mask & ~kept == 0]
    return max(fits, key=lambda name: spec.roles[name].mask.bit_count(), default=None) or role


def allowed(check: Callable[[], object]) -> bool:
    try:
        check()
    except DomainError:
        return False
    return True


@dataclass(frozen=True, slots=True)
class Access:
    resource: Resource
    spec: ResourceType
    role: str | None  # the member's role on it (explicit, else derived), None = no access
    derived: bool
    # an explicit role the organization role caps: what it really gives (Dystr: a Viewer
    # given Editor on an invite-only Workspace can only view)
    capped_to: str | None = None

    @property
    def effective(self) -> str | None:
        return self.capped_to or self.role

    def in_words(self) -> str:
        """'Editor (given by hand)', 'Viewer (automatic, from the organization role)',
        'View (given Editor; the organization role caps it)', 'no access'."""
        if self.role is None:
            return "no access"
        label = self.spec.roles[self.effective or self.role].label
        if self.derived:
            return f"{label} (automatic, from the organization role)"
        if self.capped_to:
            given = self.spec.roles[self.role].label
            return f"{label} (given {given}; the organization role caps it)"
        return f"{label} (given by hand)"


@dataclass
class MemberRow:
    user_id: str
    email: str
    name: str
    roles: list[Role]
    permissions: list[str]
    last_active: object
    is_self: bool
    can_change: bool = False
    can_grant: bool = False
    can_remove: bool = False
    can_edit_access: bool = False
    access: list[Access] = field(default_factory=list)
    # roles the viewer may change the others of, but may not take away (a Distributor admin
    # adds Distributor ReadOnly to another Distributor admin, who keeps Distributor admin)
    locked: set[str] = field(default_factory=set)


@dataclass
class OrgView:
    """The viewer's powers in one organization, computed once per request."""

    t: Tenantry
    ctx: OrgContext
    org_name: str
    org_kind: str

    @property
    def policy(self) -> Policy:
        return self.t.policy

    @property
    def me(self) -> AccessSnapshot:
        return self.ctx.snapshot

    def holds(self, permission: str) -> bool:
        return self.ctx.holds(self.t, permission)

    @property
    def mode(self) -> str:
        return self.policy.membership.value

    @property
    def assignable_roles(self) -> list[Role]:
        p, kinds = self.policy, self.me.org.kinds
        return [
            r
            for r in p.roles_for_kind(self.org_kind)
            if allowed(partial(rules.check_assignable, p, self.me, [r.name], kinds))
        ]

    @property
    def grantable_permissions(self) -> list[Permission]:
        mask = org_mask(self.policy, self.me)
        return [p for p in self.policy.org_permissions if p.mask & mask]

    def permission_groups(self) -> list[tuple[str, list[Permission]]]:
        return [
            (c, [p for p in self.policy.org_permissions if p.category == c])
            for c in self.policy.categories()
        ]

    @property
    def can_view(self) -> bool:
        """The organization's team (as the API's member list: the policy's view permission)."""
        return self.holds(self.policy.view_permission)

    @property
    def can_invite(self) -> bool:
        return self.holds(self.policy.invite_permission)

    @property
    def can_audit(self) -> bool:
        return self.holds(self.policy.audit_permission)

    @property
    def can_keys(self) -> bool:
        return self.holds(self.policy.api_keys_permission)

    @property
    def is_owner(self) -> bool:
        owner = self.policy.owner_role_for(self.org_kind)
        return owner is not None and owner in self.me.roles

    @property
    def can_transfer(self) -> bool:
        """Grant-all policies: a holder of every permission hands them on; operator policies:
        the owner asks the operator."""
        if self.policy.transfer_ownership == "grant-all":
            everything = org_mask(self.policy, self.me)
            return all(p.mask & everything for p in self.policy.org_permissions)
        return self.is_owner

    @property
    def can_settings(self) -> bool:
        p = self.policy
        editable = (p.settings_permission, p.profile_permission, p.delete_permission)
        return any(self.holds(x) for x in editable) or self.can_transfer

    def creatable_types(self) -> list[ResourceType]:
        return [r for r in self.policy.resource_types.values() if self.holds(r.create_permission)]

    def managed_types(self) -> list[ResourceType]:
        return [r for r in self.policy.resource_types.values() if self.holds(r.manage_permission)]

    def access_label(self) -> str:
        types = list(self.policy.resource_types.values())
        return f"Edit {types[0].label} Access" if len(types) == 1 else "Edit Resource Access"

    def visible_resources(self, s: Session) -> list[Resource]:
        """Resources the viewer reaches, or whose type they manage (as the API lists them)."""
        return [
            res
            for res in resources.list_resources(s, self.ctx.org_id)
            if can_see(self.policy, self.me, resource_node(res))
        ]

    def access_of(self, snap: AccessSnapshot, res: Resource) -> Access:
        spec = self.policy.resource_types[res.type]
        explicit = snap.resource_roles.get(res.id)
        if explicit is not None:
            return Access(res, spec, explicit, False, _capped(spec, snap.roles, explicit))
        excluded = snap.exclusions.get(res.id, frozenset())
        for rule in rules_reaching(spec, snap.roles, res.visibility):
            if not (rule.removable and rule.grant in excluded):
                return Access(res, spec, rule.grant, True)
        return Access(res, spec, None, False)

    def member_rows(
        self, s: Session, only: str | None = None, views: list[MemberView] | None = None
    ) -> list[MemberRow]:
        """The table's rows: every member, or ``views`` (one page of them)."""
        p, t = self.policy, self.t
        listed = self.visible_resources(s) if p.resource_types else []
        me_id = self.ctx.principal.user_id
        rows = []
        for v in members.list_members(s, self.ctx.org_id) if views is None else views:
            if only is not None and v.user_id != only:
                continue
            target = t.authz.snapshot(v.user_id, self.ctx.org_id, s)
            manages = allowed(partial(rules.check_can_manage, p, self.me, target, "manage"))
            is_self = v.user_id == me_id
            row = MemberRow(
                v.user_id,
                v.email,
                v.name,
                [p.roles[r] for r in v.roles if r in p.roles],
                list(v.permissions),
                v.last_active_at,
                is_self,
            )
            own_ok = not is_self or p.can_change_own_role
            if p.membership is MembershipMode.PERMISSIONS:
                row.can_grant = self.holds(p.grant_permission) and manages and own_ok
            elif p.membership is MembershipMode.MANY_ROLES:
                row.locked = {
                    r
                    for r in target.roles
                    if not allowed(
                        partial(
                            rules.check_can_change_roles, p, self.me, target, target.roles - {r}
                        )
                    )
                }
                addable = {r.name for r in self.assignable_roles} - target.roles
                changes = addable or row.locked != target.roles
                row.can_change = self.holds(p.change_role_permission) and own_ok and bool(changes)
            else:
                row.can_change = self.holds(p.change_role_permission) and manages and own_ok
            row.can_remove = (
                self.holds(p.remove_permission) and manages and (not is_self or p.can_remove_self)
            )
            row.can_edit_access = bool(self.managed_types()) and (manages or is_self)
            row.access = [a for a in (self.access_of(target, r) for r in listed) if a.role]
            rows.append(row)
        return rows

    def role_meaning(self, role: Role) -> str:
        """What holding ``role`` gives, in words: its description, the resources it reaches
        automatically, and the caps it puts on resource roles given by hand."""
        words = [f"{role.label}: {role.description}" if role.description else role.label]
        for rtype in self.policy.resource_types.values():
            for rule in rtype.rules:
                if role.name in rule.org_roles:
                    where = {"organization": "organization-wide "}.get(rule.visibility or "", "")
                    words.append(
                        f"automatically {rtype.roles[rule.grant].label} on every "
                        f"{where}{rtype.label}"
                    )
            cap = rtype.caps.get(role.name)
            if cap is not None:
                words.append(f"at most {rtype.roles[cap].label} on any {rtype.label} given by hand")
        return "; ".join(words) + "."

    def access_changes(
        self, s: Session, user_id: str, roles: frozenset[str]
    ) -> list[tuple[Access, Access]]:
        """What holding exactly ``roles`` would change in a member's access to the resources
        the viewer sees: (now, after) for each resource whose effective role would differ
        (the caps and the automatic rows of the new roles, worked out by the same rules)."""
        now = self.t.authz.snapshot(user_id, self.ctx.org_id, s)
        after = replace(now, roles=roles, masks={})
        changes = []
        for res in self.visible_resources(s):
            before, later = self.access_of(now, res), self.access_of(after, res)
            if before.in_words() != later.in_words():
                changes.append((before, later))
        return changes

    def role_options(self, row: MemberRow) -> list[Role]:
        """The dropdown: the member's current role(s) and every role the viewer may give."""
        current = {r.name for r in row.roles}
        names = current | {r.name for r in self.assignable_roles}
        return [r for r in self.policy.roles.values() if r.name in names]
