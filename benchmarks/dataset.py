"""The data set: organizations with members, checkouts, checkout grants and hand-removals,
written through tenantry's own services so revisions, audit rows and caches are real."""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from tenantry.accounts.models import User
from tenantry.accounts.service import create_user
from tenantry.core import Tenantry
from tenantry.members import service as members
from tenantry.orgs.service import create_org
from tenantry.resources import service as resources
from tenantry.resources.service import AccessChange
from tenantry.writes import Actor

CHECKOUT = "checkout"
CHECKOUT_ROLES = ("admin", "maintainer", "viewer", "customer_service")


@dataclass(frozen=True, slots=True)
class Shape:
    orgs: int
    members: int  # per organization, the creating owner included
    checkouts: int  # per organization

    def __str__(self) -> str:
        return f"{self.orgs} orgs x {self.members} members x {self.checkouts} checkouts"


@dataclass(slots=True)
class DataSet:
    shape: Shape
    users: list[str] = field(default_factory=list)
    orgs: list[str] = field(default_factory=list)
    members: dict[str, list[str]] = field(default_factory=dict)  # org id -> user ids
    checkouts: dict[str, list[str]] = field(default_factory=dict)  # org id -> checkout ids

    @property
    def membership_count(self) -> int:
        return sum(len(m) for m in self.members.values())


def _org_roles(count: int) -> list[list[str]]:
    """Roles for the members after the creator: one more owner, ~10% admins, the rest members."""
    admins = max(1, count // 10)
    roles = [["owner"]] + [["admin"]] * admins
    return (roles + [["member"]] * count)[: max(count, 0)]


def seed(t: Tenantry, shape: Shape, rng: random.Random) -> DataSet:
    data = DataSet(shape)
    operator = Actor.operator()
    pool = max(shape.members, shape.orgs * shape.members // 2)  # users belong to ~2 orgs
    with t.db.transaction() as s:
        for i in range(pool):
            user = create_user(s, email=f"bench{i}@example.com", name=f"User {i}", password=None)
            data.users.append(user.id)
    for n in range(shape.orgs):
        people = rng.sample(data.users, shape.members)
        with t.db.transaction() as s:
            creator = s.get(User, people[0])
            org = create_org(
                s, t.authz, actor=operator, creator=creator, name=f"Org {n:03d}", kind=None
            )
            for user_id, roles in zip(people[1:], _org_roles(len(people) - 1), strict=True):
                members.add_member(
                    s, t.authz, actor=operator, org_id=org.id, user_id=user_id, roles=roles
                )
        with t.db.transaction() as s:
            checkouts = [
                resources.create_resource(
                    s, t.authz, actor=operator, org_id=org.id, rtype=CHECKOUT, name=f"Course {c}"
                ).id
                for c in range(shape.checkouts)
            ]
        with t.db.transaction() as s:
            for user_id, roles in zip(people[1:], _org_roles(len(people) - 1), strict=True):
                changes = _access_changes(rng, roles, checkouts)
                if changes:
                    resources.set_member_access(
                        s,
                        t.authz,
                        actor=operator,
                        org_id=org.id,
                        user_id=user_id,
                        changes=changes,
                    )
        data.orgs.append(org.id)
        data.members[org.id] = people
        data.checkouts[org.id] = checkouts
    return data


def _access_changes(
    rng: random.Random, roles: list[str], checkouts: list[str]
) -> list[AccessChange]:
    """Members get roles on a few checkouts; some owners / admins lose or narrow the derived
    checkout Admin role on one checkout (a hand-removed row, which must stick)."""
    if not checkouts:
        return []
    if "member" in roles:
        picked = rng.sample(checkouts, min(len(checkouts), rng.randint(0, 4)))
        return [AccessChange(c, rng.choice(CHECKOUT_ROLES)) for c in picked]
    roll = rng.random()
    if roll < 0.4:
        return [AccessChange(rng.choice(checkouts), None)]
    if roll < 0.6:
        return [AccessChange(rng.choice(checkouts), "viewer")]
    return []
