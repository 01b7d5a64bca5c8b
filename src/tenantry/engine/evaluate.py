"""The permission engine: effective permissions as integer masks, with the reasons behind them.

Every grant path yields a :class:`Source` (a mask and a sentence). ``check`` ORs the masks;
``explain`` keeps the sentences whose mask holds the permission. One code path serves both, so
an explanation can never disagree with a decision.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tenantry.engine.snapshot import AccessSnapshot, AncestorAccess, ResourceNode
from tenantry.policy.model import (
    ORGANIZATION,
    DerivationRule,
    InheritRule,
    Permission,
    Policy,
    ResourceType,
)


@dataclass(frozen=True, slots=True)
class Source:
    mask: int
    reason: str


@dataclass(frozen=True, slots=True)
class Explanation:
    allowed: bool
    permission: str
    reasons: tuple[str, ...]  # why it is allowed, or why nothing allowed it

    def __str__(self) -> str:
        verdict = "allowed" if self.allowed else "denied"
        return f"{verdict}: " + "; ".join(self.reasons)


def org_sources(policy: Policy, snap: AccessSnapshot, *, describe: bool = True) -> Iterator[Source]:
    """Every grant path in the organization. ``describe=False`` (the check's hot path) skips
    writing the sentences; the conditions and masks are the same code either way."""
    for name in sorted(snap.roles) if describe else snap.roles:
        role = policy.roles.get(name)
        if role is not None:
            yield Source(role.mask, f"holds the organization role {role.label}" if describe else "")
    if snap.direct:
        known = {p for p in snap.direct if p in policy.permissions}
        yield Source(policy.mask_of(known), "was granted the permission directly")
    for name in sorted(snap.cross_roles) if describe else snap.cross_roles:
        role = policy.roles.get(name)
        if role is not None:
            yield Source(
                role.mask, f"was granted {role.label} on this organization" if describe else ""
            )
    for anc, rule, held in _reaching(policy, snap):
        if not describe:
            yield Source(rule.mask, "")
            continue
        labels = ", ".join(policy.roles[r].label for r in sorted(held))
        acting = ", ".join(policy.roles[r].label for r in sorted(rule.roles))
        yield Source(
            rule.mask,
            f"holds {labels} on {anc.org.name}, which reaches its {rule.to_kind} "
            f"organizations {anc.distance} level(s) below" + (f" as {acting}" if acting else ""),
        )
    if policy.combinations:
        held_here = roles_held(policy, snap)
        for combination in policy.combinations:
            if not combination.roles <= held_here:
                continue
            if not describe:
                yield Source(combination.mask, "")
                continue
            ordered = sorted((policy.roles[r] for r in combination.roles), key=lambda r: r.rank)
            given = sorted((policy.permissions[p] for p in combination.permissions), key=_bit)
            yield Source(
                combination.mask,
                f"holds {_and(r.label for r in ordered)} together, which gives "
                f"{_and(p.label for p in given)}",
            )


def roles_held(policy: Policy, snap: AccessSnapshot) -> frozenset[str]:
    """The roles held on this organization: as a member, granted on it from outside, and
    those a parent organization's inherit rules let one act as here."""
    held = snap.roles | snap.cross_roles
    for _, rule, _ in _reaching(policy, snap):
        held |= rule.roles
    return held


def _bit(permission: Permission) -> int:
    return permission.bit


def _and(words: Iterable[str]) -> str:
    items = list(words)
    return ", ".join(items[:-1]) + f" and {items[-1]}" if len(items) > 1 else "".join(items)


def _reaching(
    policy: Policy, snap: AccessSnapshot
) -> Iterator[tuple[AncestorAccess, InheritRule, frozenset[str]]]:
    """(ancestor, rule, roles held there) for every inherit rule that reaches this org."""
    for anc in snap.ancestors:
        for rule in policy.inherit:
            held = anc.roles & rule.from_roles
            if (
                held
                and rule.from_kind in anc.org.kinds
                and rule.to_kind in snap.org.kinds
                and anc.distance <= rule.depth
            ):
                yield anc, rule, held


def authority(policy: Policy, snap: AccessSnapshot) -> tuple[frozenset[str], frozenset[str]]:
    """(roles whose holders one may remove / re-role, roles one may give) here: from the roles
    held as a member, the roles parent organizations' inherit rules pass down, and what those
    rules grant themselves."""
    roles = set(snap.roles)
    manages: set[str] = set()
    assigns: set[str] = set()
    for _, rule, _ in _reaching(policy, snap):
        roles |= rule.roles
        manages |= rule.manages
        assigns |= rule.assigns
    for name in roles:
        manages |= policy.roles[name].manages
        assigns |= policy.roles[name].assigns
    return frozenset(manages), frozenset(assigns)


def org_mask(policy: Policy, snap: AccessSnapshot) -> int:
    mask = 0
    for source in org_sources(policy, snap, describe=False):
        mask |= source.mask
    return mask


# "every organization Workspace" would read as every Workspace of the organization
_VISIBILITY_WORDS = {"organization": "organization-wide"}


def _cap_mask(rtype: ResourceType, roles: frozenset[str]) -> int | None:
    """The most an explicit grant can give: the union of the caps of the member's org roles."""
    if not rtype.caps:
        return None
    mask = 0
    for role in roles:
        cap = rtype.caps.get(role)
        if cap is not None:
            mask |= rtype.roles[cap].mask
    return mask


def rules_reaching(
    rtype: ResourceType, org_roles: frozenset[str], visibility: str
) -> Iterator[DerivationRule]:
    """The type's derivation rules that apply to a holder of ``org_roles`` on a resource of
    this visibility (hand-removed rows aside: the caller knows its exclusions)."""
    for rule in rtype.rules:
        if org_roles & rule.org_roles and rule.visibility in (None, visibility):
            yield rule


def resource_sources(
    policy: Policy, snap: AccessSnapshot, resource: ResourceNode, *, describe: bool = True
) -> Iterator[Source]:
    rtype = policy.resource_types[resource.type]
    if not snap.is_member or resource.org_id != snap.org.id:
        return
    granted = snap.resource_roles.get(resource.id)
    if granted is not None and granted in rtype.roles:
        role = rtype.roles[granted]
        cap = _cap_mask(rtype, snap.roles)
        if cap is None:
            yield Source(
                role.mask, f"was given {role.label} on this {rtype.label}" if describe else ""
            )
        else:
            yield Source(
                role.mask & cap,
                f"was given {role.label} on this {rtype.label}, capped by the organization role"
                if describe
                else "",
            )
    excluded = snap.exclusions.get(resource.id, frozenset())
    for rule in rules_reaching(rtype, snap.roles, resource.visibility):
        if rule.removable and rule.grant in excluded:
            continue
        held = snap.roles & rule.org_roles
        role = rtype.roles[rule.grant]
        if not describe:
            yield Source(role.mask, "")
            continue
        labels = ", ".join(policy.roles[r].label for r in sorted(held))
        where = (
            f"every {_VISIBILITY_WORDS.get(rule.visibility, rule.visibility.replace('_', '-'))} "
            f"{rtype.label}"
            if rule.visibility
            else f"every {rtype.label}"
        )
        yield Source(role.mask, f"holds {labels}, which is {role.label} on {where}")


def withdrawn(policy: Policy, snap: AccessSnapshot, resource: ResourceNode) -> bool:
    """Whether a rule that reaches the holder was removed by hand on this resource ("the row
    can be removed manually via Edit Checkout Access"): they lose access to it, including
    what their organization-level management of the type would otherwise give them."""
    excluded = snap.exclusions.get(resource.id)
    if not excluded:
        return False
    rtype = policy.resource_types[resource.type]
    return any(
        rule.removable and rule.grant in excluded
        for rule in rules_reaching(rtype, snap.roles, resource.visibility)
    )


def manages(policy: Policy, snap: AccessSnapshot, resource: ResourceNode) -> bool:
    """The holder's organization-level management of the type (rename, delete, visibility,
    access) reaches this resource: they hold its manage permission and were not withdrawn
    from it by hand."""
    permission = policy.permissions[policy.resource_types[resource.type].manage_permission]
    return bool(org_mask(policy, snap) & permission.mask) and not withdrawn(policy, snap, resource)


def may_edit(policy: Policy, snap: AccessSnapshot, resource: ResourceNode) -> bool:
    """Rename and edit the settings: by managing the type here, or by holding the type's
    edit permission on this resource itself."""
    if manages(policy, snap, resource):
        return True
    edit = policy.resource_types[resource.type].edit_permission
    return edit is not None and bool(
        resource_mask(policy, snap, resource) & policy.permissions[edit].mask
    )


def resource_mask(policy: Policy, snap: AccessSnapshot, resource: ResourceNode) -> int:
    mask = 0
    for source in resource_sources(policy, snap, resource, describe=False):
        mask |= source.mask
    return mask


def explain(
    policy: Policy,
    snap: AccessSnapshot,
    permission: str,
    resource: ResourceNode | None = None,
) -> Explanation:
    perm = policy.permissions[permission]
    if perm.scope == ORGANIZATION:
        sources = list(org_sources(policy, snap))
    elif resource is None or resource.type != perm.scope:
        return Explanation(False, permission, (f"{permission} is checked on a {perm.scope}",))
    else:
        sources = list(resource_sources(policy, snap, resource))
    reasons = tuple(s.reason for s in sources if s.mask & perm.mask)
    if reasons:
        return Explanation(True, permission, reasons)
    if not snap.is_member and not sources:
        return Explanation(False, permission, ("is not a member of this organization",))
    return Explanation(False, permission, (f"no role, grant or rule gives {perm.label}",))
