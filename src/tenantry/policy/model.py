"""The policy as frozen data: what a deployment's permission catalogue, roles and rules are.

Everything the seeds state in words ("admins cannot remove other admins", "exactly one OWNER",
"owners are Admin on every checkout") is a field here, so the engine and the services read the
rules instead of knowing any platform by name.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

ORGANIZATION = "organization"


class MembershipMode(StrEnum):
    """How a member's organization access is expressed."""

    ONE_ROLE = "role"  # exactly one organization role per member (Distribu, Dystr, ...)
    MANY_ROLES = "roles"  # any number of additive roles (the marketplace)
    PERMISSIONS = "permissions"  # permissions granted one by one, roles are templates (Distancer)


@dataclass(frozen=True, slots=True)
class Permission:
    id: str
    scope: str  # "organization" or a resource type name
    category: str
    label: str
    description: str
    bit: int

    @property
    def mask(self) -> int:
        return 1 << self.bit


@dataclass(frozen=True, slots=True)
class Role:
    """A named bundle of permissions for one scope (the organization or a resource type)."""

    name: str
    scope: str
    label: str
    description: str
    permissions: frozenset[str]
    mask: int
    rank: int
    # roles a holder may take away; a member is removed (or, with one role each, re-roled)
    # only by someone who manages every role they hold
    manages: frozenset[str] = frozenset()
    # roles a holder may give by invitation or role change; the loader defaults it to `manages`
    # (Distribu: an ADMIN invites as ADMIN, yet cannot remove another ADMIN)
    assigns: frozenset[str] = frozenset()
    unique: bool = False  # exactly one holder per organization
    assignable: bool = True  # may be given by invitation or role change
    kinds: frozenset[str] = frozenset()  # organization kinds where the role exists; empty = all
    cross_org: bool = False  # may be granted on an organization the user is not a member of


@dataclass(frozen=True, slots=True)
class Template:
    """A named, suggested set of direct permissions (Distancer's "Common Permission Setups")."""

    name: str
    label: str
    description: str
    permissions: frozenset[str]


@dataclass(frozen=True, slots=True)
class Kind:
    """An organization kind or hierarchy level (customer, provider, distributor, seller...)."""

    name: str
    label: str
    description: str
    parents: frozenset[str] = frozenset()  # kinds that may be this kind's parent organization
    derived_from_resource: str | None = None  # the org also "is" this kind while it has one
    # the permission needed on the parent organization to create one of these under it
    create_permission: str | None = None
    # per-kind overrides of the policy's creator_role / owner_role (the marketplace: a seller's
    # creator is its Seller Admin, a customer's its Customer admin); None = the policy's
    creator_role: str | None = None
    owner_role: str | None = None
    # who may create one standing alone (no parent): "anyone" signed in (Distancer: "Any user
    # can register additional organizations"), or only the "operator" (the marketplace's
    # distributors); a kind with parents is always created under one, or by the operator
    top_level: str = "anyone"

    @property
    def open_to_anyone(self) -> bool:
        """A signed-in user may create one of these on their own (and sign-up does)."""
        return not self.parents and not self.derived_from_resource and self.top_level == "anyone"


@dataclass(frozen=True, slots=True)
class DerivationRule:
    """Organization roles that hold a resource role on every resource of a type."""

    resource_type: str
    org_roles: frozenset[str]
    grant: str  # resource role name
    visibility: str | None  # only on resources with this visibility; None = on all of them
    removable: bool  # a single (member, resource) row may be removed by hand


@dataclass(frozen=True, slots=True)
class ResourceType:
    name: str
    label: str
    description: str
    roles: dict[str, Role]
    visibilities: tuple[str, ...]  # allowed visibilities, the first is the default
    create_permission: str
    manage_permission: str  # rename, delete, change visibility, edit access
    rules: tuple[DerivationRule, ...] = ()
    # a permission *on the resource* that lets its holder rename it and edit its settings
    # (Verkkokurssikassa's checkout Admin: "Full access to edit all checkout settings")
    edit_permission: str | None = None
    # org role -> the highest resource role a holder may get by explicit grant
    caps: dict[str, str] = field(default_factory=dict)
    # given to the member who creates a resource (within their cap), so an Editor who
    # creates an invite-only workspace can open it
    creator_role: str | None = None

    @property
    def default_visibility(self) -> str:
        return self.visibilities[0]


@dataclass(frozen=True, slots=True)
class InheritRule:
    """Roles held on a parent organization reach its child organizations."""

    from_kind: str
    from_roles: frozenset[str]
    to_kind: str
    permissions: frozenset[str]
    mask: int  # the permissions' bits and those of ``roles``
    depth: int  # 1 = direct children, 2 = grandchildren too, ...
    inferred: bool = False
    # roles held on the child as if granted there: their permissions, and what they manage
    # and assign (a seller's admin acts as Customer admin on its customers)
    roles: frozenset[str] = frozenset()
    # child roles whose holders the rule lets one remove / re-role, and roles it lets one give
    manages: frozenset[str] = frozenset()
    assigns: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class CombinationRule:
    """Roles that, held together in one organization, give permissions none of them gives
    alone (the marketplace: full portal read needs Distributor ReadOnly *in addition to*
    Distributor admin)."""

    roles: frozenset[str]
    permissions: frozenset[str]
    mask: int
    inferred: bool = False


@dataclass(frozen=True, slots=True)
class OwnerRule:
    """What "the owner" means for the rule that an organization never loses its last one."""

    role: str | None = None
    permission: str | None = None


@dataclass(frozen=True, slots=True)
class Policy:
    name: str
    title: str
    description: str
    source: str | None
    membership: MembershipMode
    creator_role: str | None
    owner: OwnerRule
    default_kind: str
    invite_expiry_days: int
    default_seat_cap: int | None
    can_remove_self: bool
    can_change_own_role: bool
    # roles may be given only if the giver holds all their permissions ("you can only grant
    # what you hold"); False leaves it to each role's ``assigns`` list
    grant_only_held: bool
    transfer_ownership: str  # "operator" (support does it) or "grant-all"
    permissions: dict[str, Permission]
    roles: dict[str, Role]  # organization roles
    templates: dict[str, Template]
    kinds: dict[str, Kind]
    resource_types: dict[str, ResourceType]
    inherit: tuple[InheritRule, ...]
    invite_permission: str
    remove_permission: str
    change_role_permission: str
    grant_permission: str  # needed to change a member's direct permissions / cross-org roles
    api_keys_permission: str  # create / revoke the organization's API keys
    webhooks_permission: str  # configure the organization's webhooks
    settings_permission: str  # edit name and settings
    profile_permission: str  # edit the public profile
    delete_permission: str  # delete the organization
    audit_permission: str  # read the audit trail
    # see the organization, its member list and what its members hold (checks about others);
    # a caller without it, e.g. one whose only grant is a cross-organization role, sees only
    # what its own permissions give
    view_permission: str
    settings_view_permission: str  # read the settings (whoever may edit them reads them too)
    combinations: tuple[CombinationRule, ...] = ()

    def mask_of(self, permission_ids: frozenset[str] | set[str]) -> int:
        mask = 0
        for pid in permission_ids:
            mask |= self.permissions[pid].mask
        return mask

    def combined_permissions(self, roles: frozenset[str] | set[str]) -> frozenset[str]:
        """What the combination rules add to this set of roles held together."""
        out: frozenset[str] = frozenset()
        for rule in self.combinations:
            if rule.roles <= roles:
                out |= rule.permissions
        return out

    def ids_of(self, mask: int) -> frozenset[str]:
        return frozenset(p.id for p in self.permissions.values() if mask & p.mask)

    @property
    def org_permissions(self) -> list[Permission]:
        return [p for p in self.permissions.values() if p.scope == ORGANIZATION]

    @property
    def full_org_mask(self) -> int:
        mask = 0
        for p in self.org_permissions:
            mask |= p.mask
        return mask

    @property
    def signup_creates_org(self) -> bool:
        """Signing up creates the user's own organization of the default kind."""
        return self.kinds[self.default_kind].open_to_anyone

    def creator_role_for(self, kind: str) -> str | None:
        """The role the creator of an organization of this kind receives (None: permissions)."""
        spec = self.kinds.get(kind)
        return spec.creator_role if spec and spec.creator_role else self.creator_role

    def owner_role_for(self, kind: str) -> str | None:
        """The role an organization of this kind never loses its last holder of, if any."""
        spec = self.kinds.get(kind)
        return spec.owner_role if spec and spec.owner_role else self.owner.role

    def role(self, name: str, scope: str = ORGANIZATION) -> Role | None:
        if scope == ORGANIZATION:
            return self.roles.get(name)
        rtype = self.resource_types.get(scope)
        return rtype.roles.get(name) if rtype else None

    def roles_for_kind(self, kind: str) -> list[Role]:
        return [r for r in self.roles.values() if not r.kinds or kind in r.kinds]

    def categories(self, scope: str = ORGANIZATION) -> list[str]:
        seen: dict[str, None] = {}
        for p in self.permissions.values():
            if p.scope == scope:
                seen.setdefault(p.category)
        return list(seen)
