"""Demo data for ``tenantry serve --demo``: an organization of the active policy with a member
in each of several roles (or permission setups) and a resource of each type, so a person can
sign in and click around at once. Everything is read from the policy; no preset is named."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry import clock
from tenantry.accounts.models import User
from tenantry.accounts.passwords import verify_password
from tenantry.accounts.service import create_user, find_by_email
from tenantry.core import Tenantry
from tenantry.members.service import add_member
from tenantry.orgs.models import Organization
from tenantry.orgs.service import create_org
from tenantry.policy.model import Kind, MembershipMode, Policy
from tenantry.resources.models import Resource
from tenantry.resources.service import AccessChange, create_resource, set_member_access
from tenantry.writes import Actor

DOMAIN = "demo.test"
MEMBERS_IN_TOP_ORG = 4
MEMBERS_IN_CHILD_ORG = 1
_VISIBILITY_NAMES = {"organization": "shared", "invite_only": "invite-only"}


def seed_demo(t: Tenantry) -> list[tuple[str, str]]:
    """Seed the demo data unless the database already has users; the (email, password) of
    each demo account, the owner first (empty when nothing was seeded)."""
    with t.db.transaction() as session:
        if session.scalar(select(User.id).limit(1)) is not None:
            return []
        return _Seeder(session, t).seed()


def demo_credentials(t: Tenantry) -> list[tuple[str, str | None]]:
    """The demo accounts already in the database, the owner first, each with its demo password,
    or None where someone has changed it since (it is checked, not assumed)."""
    with t.db.sessions() as session:
        users = session.scalars(
            select(User).where(User.email.endswith(f"@{DOMAIN}")).order_by(User.email)
        ).all()
        found = [(u.email, u.password_hash) for u in users]
    found.sort(key=lambda row: row[0] != f"owner@{DOMAIN}")
    return [
        (email, demo_password(email) if verify_password(stored, demo_password(email)) else None)
        for email, stored in found
    ]


def demo_password(email: str) -> str:
    """The password a demo account is created with: fixed by its address, so a later start can
    print it again without keeping any password."""
    return f"demo-password-{email.partition('@')[0]}"


def top_kind(policy: Policy) -> Kind:
    """The kind the demo organization has: the default kind if it stands alone, else the first
    kind with no parent (the top of a hierarchy such as distributor → seller → customer)."""
    roots = [k for k in policy.kinds.values() if not k.parents and not k.derived_from_resource]
    default = policy.kinds[policy.default_kind]
    return default if default in roots or not roots else roots[0]


def _slug(name: str) -> str:
    return name.lower().replace("_", "-").replace(" ", "-")


class _Seeder:
    def __init__(self, session: Session, t: Tenantry) -> None:
        self.s = session
        self.t = t
        self.policy = t.policy
        self.actor = Actor.operator()
        self.credentials: list[tuple[str, str]] = []

    def seed(self) -> list[tuple[str, str]]:
        kind = top_kind(self.policy)
        org, members = self._org(kind, None, f"{self.policy.title} Demo", prefix="")
        self._resources(org, members)
        self._children(kind, org)
        return self.credentials

    def _user(self, local: str, name: str) -> User:
        email = f"{local}@{DOMAIN}"
        existing = find_by_email(self.s, email)
        if existing is not None:
            return existing
        password = demo_password(email)
        user = create_user(self.s, email=email, name=name, password=password)
        user.email_verified_at = clock.now()  # demo addresses count as confirmed
        self.credentials.append((user.email, password))
        return user

    def _org(
        self, kind: Kind, parent: Organization | None, name: str, *, prefix: str
    ) -> tuple[Organization, list[User]]:
        """The organization with its owner and demo members (returned without the owner)."""
        owner = self._user(f"{prefix}owner", f"{kind.label} Owner")
        org = create_org(
            self.s,
            self.t.authz,
            actor=self.actor,
            creator=owner,
            name=name,
            kind=kind.name,
            parent_id=parent.id if parent else None,
        )
        limit = MEMBERS_IN_CHILD_ORG if parent else MEMBERS_IN_TOP_ORG
        members = []
        for local, label, roles, permissions in self._member_plans(kind)[:limit]:
            user = self._user(f"{prefix}{local}", f"{label} Demo")
            add_member(
                self.s,
                self.t.authz,
                actor=self.actor,
                org_id=org.id,
                user_id=user.id,
                roles=roles,
                permissions=permissions,
            )
            members.append(user)
        return org, members

    def _member_plans(self, kind: Kind) -> list[tuple[str, str, list[str], list[str]]]:
        """(email local part, label, roles, permissions) for each demo member of the kind."""
        if self.policy.membership is MembershipMode.PERMISSIONS:
            plans: list[tuple[str, str, list[str], list[str]]] = [
                (_slug(t.name), t.label, [], sorted(t.permissions))
                for t in self.policy.templates.values()
            ]
            if not plans:  # no suggested setups: one member with the first permission
                first = self.policy.org_permissions[0]
                plans = [("member", "Member", [], [first.id])]
            return plans
        creator = self.policy.creator_role_for(kind.name)
        return [
            (_slug(r.name), r.label, [r.name], [])
            for r in self.policy.roles_for_kind(kind.name)
            if r.assignable and not r.unique and r.name != creator
        ]

    def _resources(self, org: Organization, members: list[User]) -> None:
        """One resource per type and visibility; the last demo member (the policy lists roles
        from most to least powerful) gets the type's last role on one of them, so an explicit
        resource grant is there to see."""
        for rtype in self.policy.resource_types.values():
            made: list[Resource] = []
            for visibility in rtype.visibilities[:2]:
                suffix = (
                    f" ({_VISIBILITY_NAMES.get(visibility, visibility)})"
                    if len(rtype.visibilities) > 1
                    else ""
                )
                made.append(
                    create_resource(
                        self.s,
                        self.t.authz,
                        actor=self.actor,
                        org_id=org.id,
                        rtype=rtype.name,
                        name=f"Demo {rtype.label}{suffix}",
                        visibility=visibility,
                    )
                )
            if members:
                target = next((r for r in made if r.visibility == "invite_only"), made[0])
                set_member_access(
                    self.s,
                    self.t.authz,
                    actor=self.actor,
                    org_id=org.id,
                    user_id=members[-1].id,
                    changes=[AccessChange(resource_id=target.id, role=list(rtype.roles)[-1])],
                )

    def _children(self, kind: Kind, parent: Organization) -> None:
        """One organization of each kind that sits under ``kind``, recursively (a hierarchy)."""
        for child in self.policy.kinds.values():
            if kind.name in child.parents and not child.derived_from_resource:
                org, _ = self._org(
                    child, parent, f"Demo {child.label}", prefix=f"{_slug(child.name)}-"
                )
                self._children(child, org)
