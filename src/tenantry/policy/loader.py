"""Read a policy TOML file (or a shipped preset) into a validated, frozen :class:`Policy`."""

from __future__ import annotations

import fnmatch
import tomllib
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path

from tenantry.policy._reader import Table
from tenantry.policy.errors import PolicyError
from tenantry.policy.model import (
    ORGANIZATION,
    CombinationRule,
    DerivationRule,
    InheritRule,
    Kind,
    MembershipMode,
    OwnerRule,
    Permission,
    Policy,
    ResourceType,
    Role,
    Template,
)

PRESETS = ("distancer", "distribu", "dystr", "marketplace", "verkkokurssikassa")


def preset_names() -> tuple[str, ...]:
    return PRESETS


@cache
def load_preset(name: str) -> Policy:
    if name not in PRESETS:
        raise PolicyError(name, "", f"no such preset; the presets are {', '.join(PRESETS)}")
    text = resources.files("tenantry.policy.presets").joinpath(f"{name}.toml").read_text("utf-8")
    return parse_policy(text, source=f"preset {name}")


def load_policy(name_or_path: str) -> Policy:
    """A preset by name, or a policy file by path."""
    if name_or_path in PRESETS:
        return load_preset(name_or_path)
    path = Path(name_or_path)
    if not path.is_file():
        raise PolicyError(
            name_or_path, "", f"is neither a preset ({', '.join(PRESETS)}) nor a readable file"
        )
    return parse_policy(path.read_text("utf-8"), source=str(path))


def parse_policy(text: str, *, source: str) -> Policy:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(source, "", f"is not valid TOML ({exc})") from None
    return _Builder(Table(source, "", data)).build()


class _Builder:
    def __init__(self, root: Table) -> None:
        self.root = root
        self.source = root.source
        self.permissions: dict[str, Permission] = {}

    def build(self) -> Policy:
        root = self.root
        head = root.table("policy", required=True)
        kinds = self._kinds(root.tables("kinds"))
        resource_tables = root.tables("resources")
        self._permissions(root.tables("permissions"), set(resource_tables))
        roles = self._roles(root.tables("roles"), ORGANIZATION, kinds)
        resource_types = {
            name: self._resource_type(name, t, roles) for name, t in resource_tables.items()
        }
        for kind in kinds.values():
            if kind.create_permission is not None:
                self._known(
                    root.table("kinds").table(kind.name),
                    "create_permission",
                    kind.create_permission,
                    ORGANIZATION,
                )
            if kind.derived_from_resource and kind.derived_from_resource not in resource_types:
                raise PolicyError(
                    self.source,
                    f"kinds.{kind.name}.derived_from_resource",
                    f"names unknown resource type {kind.derived_from_resource!r}",
                )
        template_tables = root.tables("templates")
        templates = {
            name: Template(
                name=name,
                label=t.text("label", name),
                description=t.text("description", ""),
                permissions=self._expand(t, "permissions", ORGANIZATION),
            )
            for name, t in template_tables.items()
        }
        for t in template_tables.values():
            t.done()
        inherit = tuple(self._inherit(t, kinds, roles) for t in root.table_list("inherit"))
        combinations = tuple(self._combination(t, roles) for t in root.table_list("combination"))
        policy = self._head(head, kinds, roles, templates, resource_types, inherit, combinations)
        root.done()
        return policy

    # -- sections -----------------------------------------------------------------------------

    def _head(
        self,
        head: Table,
        kinds: dict[str, Kind],
        roles: dict[str, Role],
        templates: dict[str, Template],
        resource_types: dict[str, ResourceType],
        inherit: tuple[InheritRule, ...],
        combinations: tuple[CombinationRule, ...],
    ) -> Policy:
        try:
            membership = MembershipMode(head.text("membership", "role"))
        except ValueError:
            raise head.fail("membership", "must be 'role', 'roles' or 'permissions'") from None
        if combinations and membership is not MembershipMode.MANY_ROLES:
            raise PolicyError(
                self.source,
                "combination",
                "needs membership = 'roles': only additive roles are ever held together",
            )
        creator_role = head.text("creator_role")
        # kinds that can be created (a derived kind is a state of another organization)
        creatable = [k for k in kinds.values() if not k.derived_from_resource]
        if membership is MembershipMode.PERMISSIONS:
            if creator_role is not None:
                raise head.fail("creator_role", "is not used when membership = 'permissions'")
            for kind in kinds.values():
                if kind.creator_role is not None:
                    raise PolicyError(
                        self.source,
                        f"kinds.{kind.name}.creator_role",
                        "is not used when membership = 'permissions'",
                    )
        elif (creator_role is not None or not all(k.creator_role for k in creatable)) and (
            creator_role not in roles
        ):
            raise head.fail("creator_role", f"must name an organization role, not {creator_role!r}")
        owner_role = head.text("owner_role")
        owner_permission = head.text("owner_permission")
        every_kind_has_owner = all(k.owner_role for k in creatable)
        if owner_role is not None and owner_permission is not None:
            raise head.fail("owner_role", "give exactly one of owner_role or owner_permission")
        if owner_role is None and owner_permission is None and not every_kind_has_owner:
            raise head.fail(
                "owner_role",
                "give exactly one of owner_role or owner_permission "
                "(or an owner_role on every kind)",
            )
        if owner_role is not None and owner_role not in roles:
            raise head.fail("owner_role", f"names unknown role {owner_role!r}")
        if owner_permission is not None:
            self._known(head, "owner_permission", owner_permission, ORGANIZATION)
        self._check_kind_roles(kinds, roles, creator_role, owner_role)
        default_kind = head.text("default_kind", required=True)
        if default_kind not in kinds:
            raise head.fail("default_kind", f"names unknown kind {default_kind!r}")
        expiry = head.number("invite_expiry_days", 7)
        if expiry < 1:
            raise head.fail("invite_expiry_days", "must be at least 1")
        seat_cap = head.number("default_seat_cap")
        if seat_cap is not None and seat_cap < 1:
            raise head.fail("default_seat_cap", "must be at least 1")
        transfer = head.text("transfer_ownership", "operator")
        if transfer not in ("operator", "grant-all"):
            raise head.fail("transfer_ownership", "must be 'operator' or 'grant-all'")
        if transfer == "grant-all" and membership is not MembershipMode.PERMISSIONS:
            raise head.fail(
                "transfer_ownership",
                "'grant-all' hands over every permission, so it needs membership = 'permissions'",
            )
        members = head.table("members", required=True)
        gates = {
            key: self._known(members, key, members.text(key, required=True), ORGANIZATION)
            for key in ("invite", "remove", "change_role", "grant")
        }
        for key in ("api_keys", "webhooks"):  # optional: default to the grant gate
            gates[key] = self._known(members, key, members.text(key, gates["grant"]), ORGANIZATION)
        organization = head.table("organization")
        # "view" (the organization and its member list) defaults to the grant gate as well:
        # a policy that forgets it shows its member list to too few, never to everyone
        for key in ("settings", "profile", "delete", "audit", "view"):
            gates[key] = self._known(
                organization, key, organization.text(key, gates["grant"]), ORGANIZATION
            )
        gates["view_settings"] = self._known(
            organization,
            "view_settings",
            organization.text("view_settings", gates["settings"]),
            ORGANIZATION,
        )
        organization.done()
        policy = Policy(
            name=head.text("name", required=True),
            title=head.text("title", required=True),
            description=head.text("description", ""),
            source=head.text("source"),
            membership=membership,
            creator_role=creator_role,
            owner=OwnerRule(role=owner_role, permission=owner_permission),
            default_kind=default_kind,
            invite_expiry_days=expiry,
            default_seat_cap=seat_cap,
            can_remove_self=members.flag("can_remove_self"),
            can_change_own_role=members.flag("can_change_own_role"),
            grant_only_held=members.flag("grant_only_held", True),
            transfer_ownership=transfer,
            permissions=self.permissions,
            roles=roles,
            templates=templates,
            kinds=kinds,
            resource_types=resource_types,
            inherit=inherit,
            invite_permission=gates["invite"],
            remove_permission=gates["remove"],
            change_role_permission=gates["change_role"],
            grant_permission=gates["grant"],
            api_keys_permission=gates["api_keys"],
            webhooks_permission=gates["webhooks"],
            settings_permission=gates["settings"],
            profile_permission=gates["profile"],
            delete_permission=gates["delete"],
            audit_permission=gates["audit"],
            view_permission=gates["view"],
            settings_view_permission=gates["view_settings"],
            combinations=combinations,
        )
        members.done()
        head.done()
        return policy

    def _kinds(self, tables: dict[str, Table]) -> dict[str, Kind]:
        if not tables:
            raise PolicyError(self.source, "kinds", "declare at least one organization kind")
        kinds = {}
        for name, t in tables.items():
            kinds[name] = Kind(
                name=name,
                label=t.text("label", name),
                description=t.text("description", ""),
                parents=frozenset(t.str_list("parents")),
                derived_from_resource=t.text("derived_from_resource"),
                create_permission=t.text("create_permission"),
                creator_role=t.text("creator_role"),
                owner_role=t.text("owner_role"),
                top_level=t.text("top_level", "anyone"),
            )
            if kinds[name].parents and kinds[name].create_permission is None:
                raise t.fail("create_permission", "is required for a kind that has parents")
            if "top_level" in t.data:
                if kinds[name].top_level not in ("anyone", "operator"):
                    raise t.fail("top_level", "must be 'anyone' or 'operator'")
                if kinds[name].parents or kinds[name].derived_from_resource:
                    raise t.fail(
                        "top_level",
                        "is for kinds that stand alone; one with parents is created under them "
                        "(or by the operator), a derived one is never created",
                    )
            for parent in kinds[name].parents:
                if parent not in tables:
                    raise t.fail("parents", f"names unknown kind {parent!r}")
            t.done()
        self._refuse_kind_cycles(kinds)
        return kinds

    def _check_kind_roles(
        self,
        kinds: dict[str, Kind],
        roles: dict[str, Role],
        creator_role: str | None,
        owner_role: str | None,
    ) -> None:
        """Each kind's creator and owner role exists and is a role of that kind."""
        for kind in kinds.values():
            if kind.derived_from_resource:
                continue
            for key, own, default in (
                ("creator_role", kind.creator_role, creator_role),
                ("owner_role", kind.owner_role, owner_role),
            ):
                name = own or default
                if name is None:
                    continue
                where = f"kinds.{kind.name}.{key}" if own else f"policy.{key}"
                role = roles.get(name)
                if role is None:
                    raise PolicyError(self.source, where, f"names unknown role {name!r}")
                if role.kinds and kind.name not in role.kinds:
                    raise PolicyError(
                        self.source,
                        where,
                        f"role {name!r} does not exist in {kind.name} organizations",
                    )

    def _refuse_kind_cycles(self, kinds: dict[str, Kind]) -> None:
        def walk(name: str, trail: tuple[str, ...]) -> None:
            if name in trail:
                cycle = " -> ".join((*trail[trail.index(name) :], name))
                raise PolicyError(self.source, f"kinds.{name}.parents", f"form a cycle: {cycle}")
            for parent in kinds[name].parents:
                walk(parent, (*trail, name))

        for name in kinds:
            walk(name, ())

    def _permissions(self, tables: dict[str, Table], resource_types: set[str]) -> None:
        if not tables:
            raise PolicyError(self.source, "permissions", "declare at least one permission")
        for bit, (pid, t) in enumerate(tables.items()):
            scope = t.text("scope", ORGANIZATION)
            if scope != ORGANIZATION and scope not in resource_types:
                raise t.fail("scope", f"must be 'organization' or a resource type, not {scope!r}")
            self.permissions[pid] = Permission(
                id=pid,
                scope=scope,
                category=t.text("category", required=True),
                label=t.text("label", required=True),
                description=t.text("description", ""),
                bit=bit,
            )
            t.done()

    def _expand(self, t: Table, key: str, scope: str) -> frozenset[str]:
        """Permission ids and globs ("org.*", "*") of one scope, expanded against the catalogue."""
        ids: set[str] = set()
        in_scope = [p.id for p in self.permissions.values() if p.scope == scope]
        for i, pattern in enumerate(t.str_list(key)):
            matched = [pid for pid in in_scope if fnmatch.fnmatchcase(pid, pattern)]
            if not matched:
                raise t.fail(f"{key}[{i}]", f"{pattern!r} matches no {scope} permission")
            ids.update(matched)
        return frozenset(ids)

    def _gate(self, t: Table, key: str) -> str:
        """A required organization permission named by ``key``."""
        return self._known(t, key, t.text(key, required=True), ORGANIZATION)

    def _known(self, t: Table, key: str, pid: str, scope: str) -> str:
        perm = self.permissions.get(pid)
        if perm is None:
            raise t.fail(key, f"names unknown permission {pid!r}")
        if perm.scope != scope:
            raise t.fail(key, f"{pid!r} is a {perm.scope} permission, expected {scope}")
        return pid

    def _roles(
        self, tables: dict[str, Table], scope: str, kinds: dict[str, Kind]
    ) -> dict[str, Role]:
        roles = {}
        for rank, (name, t) in enumerate(tables.items()):
            perms = self._expand(t, "permissions", scope)
            role_kinds = frozenset(t.str_list("kinds"))
            for kind in role_kinds:
                if kind not in kinds:
                    raise t.fail("kinds", f"names unknown kind {kind!r}")
            roles[name] = Role(
                name=name,
                scope=scope,
                label=t.text("label", name),
                description=t.text("description", ""),
                permissions=perms,
                mask=sum(self.permissions[p].mask for p in perms),
                rank=rank,
                manages=frozenset(t.str_list("manages")),
                assigns=frozenset(
                    t.str_list("assigns") if "assigns" in t.data else t.str_list("manages")
                ),
                unique=t.flag("unique"),
                assignable=t.flag("assignable", True),
                kinds=role_kinds,
                cross_org=t.flag("cross_org"),
            )
            t.done()
        for name, role in roles.items():
            for key, targets in (("manages", role.manages), ("assigns", role.assigns)):
                for target in sorted(targets):
                    if target not in roles:
                        raise tables[name].fail(key, f"names unknown role {target!r}")
        return roles

    @staticmethod
    def _resource_role(t: Table, key: str, roles: dict[str, Role]) -> str | None:
        name = t.text(key)
        if name is not None and name not in roles:
            raise t.fail(key, f"names unknown role {name!r} (roles: {', '.join(roles)})")
        return name  # type: ignore[no-any-return]

    def _resource_type(self, name: str, t: Table, org_roles: dict[str, Role]) -> ResourceType:
        roles = self._roles(t.tables("roles"), name, {})
        if not roles:
            raise t.fail("roles", "declare at least one role for this resource type")
        visibilities = tuple(t.str_list("visibilities")) or ("invite_only",)
        for v in visibilities:
            if v not in ("organization", "invite_only"):
                raise t.fail("visibilities", f"{v!r}: use 'organization' or 'invite_only'")
        rules = []
        for r in t.table_list("rules"):
            from_roles = frozenset(r.str_list("org_roles", required=True))
            for role in from_roles:
                if role not in org_roles:
                    raise r.fail("org_roles", f"names unknown organization role {role!r}")
            grant = r.text("grant", required=True)
            if grant not in roles:
                raise r.fail("grant", f"names unknown {name} role {grant!r}")
            visibility = r.text("visibility")
            if visibility is not None and visibility not in visibilities:
                raise r.fail("visibility", f"{visibility!r} is not a visibility of {name}")
            rules.append(DerivationRule(name, from_roles, grant, visibility, r.flag("removable")))
            r.done()
        caps_table = t.table("caps")
        caps = {}
        for org_role, cap in caps_table.data.items():
            if org_role not in org_roles:
                raise caps_table.fail(org_role, "is not an organization role")
            if cap not in roles:
                raise caps_table.fail(org_role, f"names unknown {name} role {cap!r}")
            caps[org_role] = cap
        rtype = ResourceType(
            name=name,
            label=t.text("label", name),
            description=t.text("description", ""),
            roles=roles,
            visibilities=visibilities,
            create_permission=self._gate(t, "create_permission"),
            manage_permission=self._gate(t, "manage_permission"),
            rules=tuple(rules),
            caps=caps,
            creator_role=self._resource_role(t, "creator_role", roles),
            edit_permission=self._known(t, "edit_permission", edit, name)
            if (edit := t.text("edit_permission")) is not None
            else None,
        )
        t.done()
        return rtype

    def _inherit(self, t: Table, kinds: dict[str, Kind], roles: dict[str, Role]) -> InheritRule:
        from_kind = t.text("from_kind", required=True)
        to_kind = t.text("to_kind", required=True)
        for key, kind in (("from_kind", from_kind), ("to_kind", to_kind)):
            if kind not in kinds:
                raise t.fail(key, f"names unknown kind {kind!r}")
        from_roles = frozenset(t.str_list("from_roles", required=True))
        for role in from_roles:
            if role not in roles:
                raise t.fail("from_roles", f"names unknown role {role!r}")
        perms = self._expand(t, "permissions", ORGANIZATION)
        held = frozenset(t.str_list("roles"))
        for role in sorted(held):
            spec = roles.get(role)
            if spec is None:
                raise t.fail("roles", f"names unknown role {role!r}")
            if spec.kinds and to_kind not in spec.kinds:
                raise t.fail("roles", f"{role!r} is not a role of {to_kind} organizations")
        authority = {key: frozenset(t.str_list(key)) for key in ("manages", "assigns")}
        for key, names in authority.items():
            for role in sorted(names):
                spec = roles.get(role)
                if spec is None or (spec.kinds and to_kind not in spec.kinds):
                    raise t.fail(key, f"{role!r} is not a role of {to_kind} organizations")
        if not perms and not held:
            raise t.fail("permissions", "give the permissions or roles the rule passes down")
        depth = t.number("depth", 1)
        if depth < 1:
            raise t.fail("depth", "must be at least 1")
        if not self._reaches(kinds, to_kind, from_kind, depth):
            raise t.fail(
                "to_kind",
                f"a {to_kind} organization can never be within {depth} level(s) "
                f"below a {from_kind}",
            )
        rule = InheritRule(
            from_kind=from_kind,
            from_roles=from_roles,
            to_kind=to_kind,
            permissions=perms,
            mask=sum(
                self.permissions[p].mask for p in perms | _union(roles[r].permissions for r in held)
            ),
            depth=depth,
            inferred=t.flag("inferred"),
            roles=held,
            manages=authority["manages"],
            assigns=authority["assigns"],
        )
        t.done()
        return rule

    def _combination(self, t: Table, roles: dict[str, Role]) -> CombinationRule:
        """Roles held together that give permissions none of them gives alone."""
        named = t.str_list("roles", required=True)
        together = frozenset(named)
        if len(together) < 2 or len(together) != len(named):
            raise t.fail("roles", "name at least two different roles: they are held together")
        for name in named:
            if name not in roles:
                raise t.fail("roles", f"names unknown role {name!r}")
        kinds = [roles[n].kinds for n in named if roles[n].kinds]
        if kinds and not frozenset.intersection(*kinds):
            where = "; ".join(f"{n} in {', '.join(sorted(roles[n].kinds))}" for n in named)
            raise t.fail("roles", f"no organization kind has all of them ({where})")
        perms = self._expand(t, "permissions", ORGANIZATION)
        if not perms:
            raise t.fail("permissions", "give the permissions the roles give together")
        for pid in sorted(perms):
            alone = sorted(roles[n].label for n in named if pid in roles[n].permissions)
            if alone:
                raise t.fail(
                    "permissions",
                    f"{pid!r} is already given by {alone[0]} alone; a combination gives only "
                    "what none of its roles gives alone",
                )
        rule = CombinationRule(
            roles=together,
            permissions=perms,
            mask=sum(self.permissions[p].mask for p in perms),
            inferred=t.flag("inferred"),
        )
        t.done()
        return rule

    @staticmethod
    def _reaches(kinds: dict[str, Kind], child: str, ancestor: str, depth: int) -> bool:
        frontier = {child}
        for _ in range(depth):
            frontier = {p for k in frontier for p in kinds[k].parents}
            if ancestor in frontier:
                return True
        return False


def _union(sets: Iterator[frozenset[str]]) -> frozenset[str]:
    out: frozenset[str] = frozenset()
    for item in sets:
        out |= item
    return out
