"""A policy in words and tables, for ``tenantry policy show``: the permission matrix the seed
pages print, then the rules they state in prose, all read from the policy data."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tenantry.cli._output import mark, table
from tenantry.policy.model import ORGANIZATION, MembershipMode, Permission, Policy, ResourceType


def summary(policy: Policy) -> str:
    """The counts ``policy check`` prints: "14 permissions, 3 organization roles, ..."."""
    counts = [
        (len(policy.permissions), "permission"),
        (len(policy.roles), "organization role"),
        (len(policy.templates), "template"),
        (len(policy.kinds), "kind"),
        (len(policy.resource_types), "resource type"),
        (sum(len(r.roles) for r in policy.resource_types.values()), "resource role"),
        (sum(len(r.rules) for r in policy.resource_types.values()), "derivation rule"),
        (len(policy.inherit), "inheritance rule"),
        (len(policy.combinations), "role combination"),
    ]
    return ", ".join(f"{n} {word}{'' if n == 1 else 's'}" for n, word in counts if n)


def matrix(
    policy: Policy,
    scope: str,
    columns: Sequence[tuple[str, frozenset[str]]],
    *,
    held_only: bool = False,
) -> str:
    """Rows: the scope's permissions grouped by category; columns: (label, permission ids).
    ``held_only`` leaves out the permissions no column holds (and then empty categories)."""
    rows: list[list[str]] = []
    sections: dict[int, str] = {}
    for category in policy.categories(scope):
        sections[len(rows)] = category
        for perm in policy.permissions.values():
            if perm.scope != scope or perm.category != category:
                continue
            if held_only and not any(perm.id in held for _, held in columns):
                continue
            rows.append(
                [f"  {perm.label}", *(mark(perm.id in held) for _, held in columns), perm.id]
            )
    # an empty category was overwritten by the next one; drop a trailing one
    sections = {i: heading for i, heading in sections.items() if i < len(rows)}
    headers = ["Permission", *(label for label, _ in columns), "id"]
    return table(headers, rows, centered=range(1, len(columns) + 1), sections=sections)


def render(policy: Policy) -> str:
    blocks = [_heading(policy)]
    blocks.extend(_org_matrices(policy))
    for rtype in policy.resource_types.values():
        columns = [(r.label, r.permissions) for r in rtype.roles.values()]
        blocks.append(f"{rtype.label} roles\n\n" + matrix(policy, rtype.name, columns))
    blocks.append("Rules\n\n" + "\n".join(f"- {line}" for line in rules(policy)))
    return "\n\n".join(blocks)


def _heading(policy: Policy) -> str:
    lines = [f"{policy.title} ({policy.name})"]
    if policy.description:
        lines.append(policy.description)
    if policy.source:
        lines.append(f"Source: {policy.source}")
    return "\n".join(lines)


def _org_matrices(policy: Policy) -> list[str]:
    if policy.membership is MembershipMode.PERMISSIONS:
        intro = (
            "Organization permissions are granted one by one; the columns are the policy's "
            "suggested setups."
        )
        columns = [(t.label, t.permissions) for t in policy.templates.values()]
        if not columns:
            columns = [("Grantable", frozenset(p.id for p in policy.org_permissions))]
        return [f"{intro}\n\n" + matrix(policy, ORGANIZATION, columns)]
    if not any(role.kinds for role in policy.roles.values()):
        columns = [(r.label, r.permissions) for r in policy.roles.values()]
        return ["Organization roles\n\n" + matrix(policy, ORGANIZATION, columns)]
    blocks = []
    for kind in policy.kinds.values():
        roles = policy.roles_for_kind(kind.name)
        if kind.derived_from_resource or not roles:
            continue
        columns = [(r.label, r.permissions) for r in roles]
        table_text = matrix(policy, ORGANIZATION, columns, held_only=True)
        blocks.append(f"Roles in a {kind.label} organization\n\n{table_text}")
    return blocks


# -- rules in words ---------------------------------------------------------------------------


def _labels(policy: Policy, names: Iterable[str], scope: str = ORGANIZATION) -> str:
    roles = [policy.role(n, scope) for n in names]
    labels = [r.label for r in sorted((r for r in roles if r), key=lambda r: r.rank)]
    if len(labels) < 3:
        return " and ".join(labels)
    return ", ".join(labels[:-1]) + f" and {labels[-1]}"


def _a(noun: str) -> str:
    return f"{'an' if noun[:1].lower() in 'aeiou' else 'a'} {noun}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _perm(policy: Policy, pid: str) -> str:
    return f"'{policy.permissions[pid].label}'"


def _perm_list(policy: Policy, pids: frozenset[str]) -> str:
    if pids == frozenset(p.id for p in policy.org_permissions):
        return "every organization permission"
    perms: list[Permission] = sorted((policy.permissions[p] for p in pids), key=lambda p: p.bit)
    return ", ".join(p.label for p in perms)


def rules(policy: Policy) -> list[str]:
    return [
        *_owner_rules(policy),
        *_member_rules(policy),
        *_kind_rules(policy),
        *_resource_rules(policy),
        *_inherit_rules(policy),
        *_combination_rules(policy),
    ]


def _owner_rules(policy: Policy) -> list[str]:
    """Who an organization's creator becomes and the owner it never loses, per kind."""
    if policy.membership is MembershipMode.PERMISSIONS:
        out = ["Whoever creates an organization receives every organization permission."]
        if policy.owner.permission:
            out.append(
                "An organization always keeps at least one member holding "
                f"{_perm(policy, policy.owner.permission)}."
            )
        return out
    out = []
    creatable = [k for k in policy.kinds.values() if not k.derived_from_resource]
    for kind in creatable:
        noun = f"{kind.label} organization" if len(creatable) > 1 else "organization"
        creator = policy.creator_role_for(kind.name)
        if creator:
            out.append(f"Whoever creates {_a(noun)} becomes its {policy.roles[creator].label}.")
        owner_name = policy.owner_role_for(kind.name)
        if owner_name:
            owner = policy.roles[owner_name]
            if owner.unique:
                out.append(f"There is exactly one {owner.label} per {noun}.")
            else:
                out.append(f"Every {noun} keeps at least one {owner.label}.")
        elif policy.owner.permission:
            out.append(
                f"Every {noun} keeps at least one member holding "
                f"{_perm(policy, policy.owner.permission)}."
            )
    return out


def _member_rules(policy: Policy) -> list[str]:
    out = []
    if policy.membership is MembershipMode.MANY_ROLES:
        out.append("A member may hold several organization roles; their permissions add up.")
    for role in policy.roles.values():
        if policy.membership is MembershipMode.PERMISSIONS:
            break
        if role.manages and policy.membership is MembershipMode.MANY_ROLES:
            out.append(
                f"{role.label} can take {_labels(policy, role.manages)} away from a member, and "
                "remove members who hold nothing else."
            )
        elif role.manages:
            out.append(
                f"{role.label} can act on (remove, change the role of) members who hold "
                f"{_labels(policy, role.manages)}."
            )
        if role.assigns and role.assigns != role.manages:
            out.append(f"{role.label} can give {_labels(policy, role.assigns)}.")
        if not role.assignable:
            out.append(f"Nobody can be given {role.label} by invitation or promotion.")
        if role.cross_org:
            out.append(
                f"{role.label} can be granted on an organization the user is not a member of."
            )
    out.append(
        f"Inviting needs {_perm(policy, policy.invite_permission)}, removing "
        f"{_perm(policy, policy.remove_permission)}, changing roles "
        f"{_perm(policy, policy.change_role_permission)}, granting permissions "
        f"{_perm(policy, policy.grant_permission)}."
    )
    out.append(
        f"Settings need {_perm(policy, policy.settings_permission)}, the public profile "
        f"{_perm(policy, policy.profile_permission)}, API keys "
        f"{_perm(policy, policy.api_keys_permission)}, webhooks "
        f"{_perm(policy, policy.webhooks_permission)}, the audit log "
        f"{_perm(policy, policy.audit_permission)}, deleting the organization "
        f"{_perm(policy, policy.delete_permission)}."
    )
    readers = {policy.settings_view_permission, policy.settings_permission}
    out.append(
        f"Seeing the organization, its member list and what others hold needs "
        f"{_perm(policy, policy.view_permission)}; reading the settings "
        + " or ".join(_perm(policy, p) for p in sorted(readers))
        + "; about yourself you may always ask."
    )
    out.append("Nobody can grant a permission they do not hold themselves.")
    if not policy.can_remove_self:
        out.append("Members cannot remove themselves.")
    if not policy.can_change_own_role:
        out.append("Members cannot change their own role or permissions.")
    out.append(f"Invitations expire after {policy.invite_expiry_days} days.")
    if policy.default_seat_cap is not None:
        out.append(
            f"New organizations have {policy.default_seat_cap} seats; pending invitations count."
        )
    if policy.transfer_ownership == "operator":
        out.append("Ownership is transferred by the operator (tenantry org transfer-ownership).")
    else:
        out.append("Ownership is transferred by granting the new owner every permission.")
    return out


def _kind_rules(policy: Policy) -> list[str]:
    out = []
    for kind in policy.kinds.values():
        if kind.derived_from_resource:
            rtype = policy.resource_types[kind.derived_from_resource]
            out.append(f"An organization is also a {kind.label} while it has a {rtype.label}.")
        if kind.parents:
            parents = " or ".join(policy.kinds[p].label for p in sorted(kind.parents))
            needs = (
                f"; creating one needs {_perm(policy, kind.create_permission)} there"
                if kind.create_permission
                else ""
            )
            out.append(f"A {kind.label} organization sits under a {parents}{needs}.")
        if kind.top_level == "operator":
            out.append(
                f"{kind.label} organizations are set up by the operator (tenantry org create)."
            )
    if not policy.signup_creates_org:
        out.append("Signing up creates an account only; one joins an organization by invitation.")
    return out


def _resource_rules(policy: Policy) -> list[str]:
    out = []
    for rtype in policy.resource_types.values():
        out.append(
            f"Creating {_a(rtype.label)} needs {_perm(policy, rtype.create_permission)}; changing "
            f"or deleting one, and its access, needs {_perm(policy, rtype.manage_permission)}"
            + (
                f" (renaming it and its settings: {_perm(policy, rtype.edit_permission)} on it "
                "is enough)."
                if rtype.edit_permission
                else "."
            )
        )
        out.extend(_visibility(rtype))
        for rule in rtype.rules:
            where = (
                f"every {_VISIBILITY[rule.visibility]} {rtype.label}"
                if rule.visibility
                else f"every {rtype.label}"
            )
            removable = (
                "; one member's access to one of them can still be removed by hand"
                if rule.removable
                else ""
            )
            out.append(
                f"Members holding {_labels(policy, rule.org_roles)} get "
                f"{rtype.roles[rule.grant].label} on {where}, including ones created later"
                f"{removable}."
            )
        for org_role, cap in rtype.caps.items():
            out.append(
                f"A member holding {policy.roles[org_role].label} can be given at most "
                f"{rtype.roles[cap].label} on {_a(rtype.label)}."
            )
    return out


_VISIBILITY = {"organization": "organization-wide", "invite_only": "invite-only"}


def _visibility(rtype: ResourceType) -> list[str]:
    options = " or ".join(_VISIBILITY[v] for v in rtype.visibilities)
    if len(rtype.visibilities) == 1:
        return [f"{_cap(_a(rtype.label))} is {options}."]
    default = _VISIBILITY[rtype.default_visibility]
    return [f"{_cap(_a(rtype.label))} is {options} (default: {default})."]


def _inherit_rules(policy: Policy) -> list[str]:
    out = []
    for rule in policy.inherit:
        levels = "directly below" if rule.depth == 1 else f"up to {rule.depth} levels below"
        implicit = " (implicitly)" if rule.inferred else ""
        out.append(
            f"{_labels(policy, rule.from_roles)} on a {policy.kinds[rule.from_kind].label} "
            f"organization reach its {policy.kinds[rule.to_kind].label} organizations {levels}"
            f"{implicit}, with {_perm_list(policy, rule.permissions)}."
        )
    return out


def _combination_rules(policy: Policy) -> list[str]:
    return [
        f"{_labels(policy, rule.roles)} held together give {_perm_list(policy, rule.permissions)}, "
        "which none of them gives alone."
        for rule in policy.combinations
    ]
