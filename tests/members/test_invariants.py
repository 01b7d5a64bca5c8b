"""Member invariants that hold whatever the order of requests.

1. Every refused member operation leaves the database exactly as it was: no membership, role,
   permission, resource grant, audit event or revision changes.
2. A hypothesis state machine runs random sequences of add / change role / remove / transfer
   by random actors on a Distribu company, next to a tiny reference model of the page's rules,
   and checks after every step: exactly one owner, model == database, nobody was given more
   than the granter held, and a refused operation changed nothing.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select, text

from tenantry.accounts.service import create_user
from tenantry.audit.models import AuditEvent
from tenantry.core import Tenantry
from tenantry.errors import DomainError
from tenantry.mail.transports import MailboxTransport
from tenantry.members import service as members
from tenantry.members.models import MemberRole, Membership
from tenantry.resources import service as resources
from tenantry.resources.service import AccessChange
from tenantry.store.db import Database
from tenantry.store.registry import metadata
from tenantry.writes import Actor
from tests.factories import actor, add_member, make_org, make_resource, make_user

WATCHED = (
    "organizations",
    "memberships",
    "member_roles",
    "member_permissions",
    "cross_org_roles",
    "resources",
    "resource_grants",
    "resource_exclusions",
    "audit_events",
)


def db_rows(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables a member operation may touch, in a stable order."""
    with db.reading() as s:
        return {
            name: sorted((tuple(r) for r in s.execute(select(metadata.tables[name]))), key=repr)
            for name in WATCHED
        }


# -- 1. a refused operation changes nothing ------------------------------------------------------


def _as(who: Any) -> Actor:
    return who if isinstance(who, Actor) else actor(who)


def _add(t, by, org, user, roles=(), permissions=()):
    with t.db.transaction() as s:
        members.add_member(
            s,
            t.authz,
            actor=_as(by),
            org_id=org.id,
            user_id=user.id,
            roles=roles,
            permissions=permissions,
        )


def _change(t, by, org, user, roles):
    with t.db.transaction() as s:
        members.change_roles(s, t.authz, actor=_as(by), org_id=org.id, user_id=user.id, roles=roles)


def _grant(t, by, org, user, permissions):
    with t.db.transaction() as s:
        members.set_permissions(
            s, t.authz, actor=_as(by), org_id=org.id, user_id=user.id, permissions=permissions
        )


def _remove(t, by, org, *users):
    with t.db.transaction() as s:
        members.remove_members(
            s, t.authz, actor=_as(by), org_id=org.id, user_ids=[u.id for u in users]
        )


def _transfer(t, by, org, user):
    with t.db.transaction() as s:
        members.transfer_ownership(s, t.authz, actor=_as(by), org_id=org.id, to_user_id=user.id)


def _access(t, by, org, user, *changes):
    with t.db.transaction() as s:
        resources.set_member_access(
            s, t.authz, actor=_as(by), org_id=org.id, user_id=user.id, changes=list(changes)
        )


def _world(t: Tenantry, preset: str) -> dict[str, Any]:
    """An organization with an owner-like creator, admins, members and a stranger."""
    w: dict[str, Any] = {name: make_user(t) for name in ("owner", "a1", "a2", "m1", "m2", "x")}
    w["org"] = org = make_org(t, w["owner"], seat_cap=6)
    if preset == "distancer":
        full = sorted(p.id for p in t.policy.org_permissions)
        add_member(t, org, w["a1"], permissions=["org.view", "org.manage"])
        add_member(t, org, w["a2"], permissions=full)
        add_member(t, org, w["m1"], permissions=["org.view"])
        add_member(t, org, w["m2"], permissions=["org.view", "provider.meetings.manage"])
        return w
    admin = {"dystr": "administrator"}.get(preset, "admin")
    member = {"dystr": "viewer"}.get(preset, "member")
    add_member(t, org, w["a1"], [admin])
    add_member(t, org, w["a2"], [admin])
    add_member(t, org, w["m1"], [member])
    add_member(t, org, w["m2"], [member])
    rtype = {"dystr": "workspace", "verkkokurssikassa": "checkout"}.get(preset)
    if rtype is not None:
        w["r1"] = make_resource(t, org, rtype, "One", visibility="invite_only")
        w["r2"] = make_resource(t, org, rtype, "Two", visibility="invite_only")
    return w


Op = Callable[[Tenantry, dict[str, Any]], None]
OP = Actor.operator()

FORBIDDEN: dict[str, tuple[str, Op]] = {
    # Distribu
    "admin removes another admin": (
        "distribu",
        lambda t, w: _remove(t, w["a1"], w["org"], w["a2"]),
    ),
    "admin removes the owner": ("distribu", lambda t, w: _remove(t, w["a1"], w["org"], w["owner"])),
    "owner removes themselves": (
        "distribu",
        lambda t, w: _remove(t, w["owner"], w["org"], w["owner"]),
    ),
    "operator removes the owner": ("distribu", lambda t, w: _remove(t, OP, w["org"], w["owner"])),
    "bulk removal with one forbidden target": (
        "distribu",
        lambda t, w: _remove(t, w["a1"], w["org"], w["m1"], w["m2"], w["a2"]),
    ),
    "member removes a member": ("distribu", lambda t, w: _remove(t, w["m1"], w["org"], w["m2"])),
    "member invites": ("distribu", lambda t, w: _add(t, w["m1"], w["org"], w["x"], ["member"])),
    "stranger invites": ("distribu", lambda t, w: _add(t, w["x"], w["org"], w["x"], ["member"])),
    "owner adds a second owner": (
        "distribu",
        lambda t, w: _add(t, w["owner"], w["org"], w["x"], ["owner"]),
    ),
    "operator adds a second owner": (
        "distribu",
        lambda t, w: _add(t, OP, w["org"], w["x"], ["owner"]),
    ),
    "owner promotes an admin to owner": (
        "distribu",
        lambda t, w: _change(t, w["owner"], w["org"], w["a1"], ["owner"]),
    ),
    "owner changes their own role": (
        "distribu",
        lambda t, w: _change(t, w["owner"], w["org"], w["owner"], ["admin"]),
    ),
    "admin changes a member's role": (
        "distribu",
        lambda t, w: _change(t, w["a1"], w["org"], w["m1"], ["admin"]),
    ),
    "operator demotes the owner": (
        "distribu",
        lambda t, w: _change(t, OP, w["org"], w["owner"], ["admin"]),
    ),
    "adding an existing member": (
        "distribu",
        lambda t, w: _add(t, w["owner"], w["org"], w["m1"], ["admin"]),
    ),
    "adding beyond the seat cap": (
        "distribu",
        lambda t, w: (
            _add(t, w["owner"], w["org"], w["x"], ["member"]),
            _add(t, w["owner"], w["org"], make_user(t), ["member"]),
        ),
    ),
    "owner transfers ownership without support": (
        "distribu",
        lambda t, w: _transfer(t, w["owner"], w["org"], w["a1"]),
    ),
    "operator transfers ownership to a stranger": (
        "distribu",
        lambda t, w: _transfer(t, OP, w["org"], w["x"]),
    ),
    # Distancer
    "granting a permission you lack": (
        "distancer",
        lambda t, w: _grant(
            t, w["a1"], w["org"], w["m1"], ["org.view", "provider.meetings.manage"]
        ),
    ),
    "inviting with a permission you lack": (
        "distancer",
        lambda t, w: _add(t, w["a1"], w["org"], w["x"], permissions=["provider.meetings.manage"]),
    ),
    # (no limit on *whom* a Manage Organization holder manages: "Administrators can remove
    # members from the organization at any time"; the limit is on what is granted, above)
    "removing without Manage Organization": (
        "distancer",
        lambda t, w: _remove(t, w["m2"], w["org"], w["m1"]),
    ),
    "stripping the last manage organization holder": (
        "distancer",
        lambda t, w: (
            _grant(t, w["owner"], w["org"], w["a1"], ["org.view"]),
            _grant(t, w["owner"], w["org"], w["a2"], ["org.view"]),
            _grant(t, OP, w["org"], w["owner"], ["org.view"]),
        ),
    ),
    "transfer by a member who cannot grant everything": (
        "distancer",
        lambda t, w: _transfer(t, w["a1"], w["org"], w["m1"]),
    ),
    # Dystr
    "adding a non-member to a workspace": (
        "dystr",
        lambda t, w: _access(t, w["owner"], w["org"], w["x"], AccessChange(w["r1"].id, "viewer")),
    ),
    "a viewer sharing a workspace": (
        "dystr",
        lambda t, w: _access(t, w["m1"], w["org"], w["m2"], AccessChange(w["r1"].id, "viewer")),
    ),
    "administrator demoting the last administrator": (
        "dystr",
        lambda t, w: (
            _remove(t, w["owner"], w["org"], w["a1"], w["a2"]),
            _change(t, OP, w["org"], w["owner"], ["editor"]),
        ),
    ),
    # Verkkokurssikassa
    "admin demotes an owner": (
        "verkkokurssikassa",
        lambda t, w: _change(t, w["a1"], w["org"], w["owner"], ["member"]),
    ),
    "admin removes an owner's checkout row": (
        "verkkokurssikassa",
        lambda t, w: _access(t, w["a1"], w["org"], w["owner"], AccessChange(w["r1"].id, None)),
    ),
    "admin bulk-deletes members and an owner": (
        "verkkokurssikassa",
        lambda t, w: _remove(t, w["a1"], w["org"], w["m1"], w["owner"]),
    ),
    "checkout access edit whose second change is invalid": (
        "verkkokurssikassa",
        lambda t, w: _access(
            t,
            w["owner"],
            w["org"],
            w["m1"],
            AccessChange(w["r1"].id, "viewer"),
            AccessChange(w["r2"].id, "no-such-role"),
        ),
    ),
}


@pytest.mark.parametrize("case", list(FORBIDDEN))
def test_a_forbidden_member_operation_leaves_the_database_unchanged(tenantry_for, case):
    preset, op = FORBIDDEN[case]
    t = tenantry_for(preset)
    world = _world(t, preset)
    before: list[dict[str, list[tuple[Any, ...]]]] = []

    # multi-step cases make their allowed preparations first; the last call is the refused one
    original = t.db.transaction

    def snapshotting_transaction():
        before.append(db_rows(t.db))
        return original()

    t.db.transaction = snapshotting_transaction  # type: ignore[method-assign]
    try:
        with pytest.raises(DomainError):
            op(t, world)
    finally:
        del t.db.transaction
    assert before, "the operation never opened a transaction"
    assert db_rows(t.db) == before[-1]


# -- 2. random sequences against a reference model -----------------------------------------------

USERS = 6
OPERATOR = USERS  # the actor index that stands for the operator (support)
SEAT_CAP = 5
INVITABLE = {"admin", "member"}  # "Pick a role — ADMIN or MEMBER."
INVITERS = {"owner", "admin"}
REMOVES = {"owner": {"admin", "member"}, "admin": {"member"}}  # nobody removes the owner


class DistribuModel:
    """The page's rules over {user index: role}, written independently of the services."""

    def __init__(self) -> None:
        self.roles: dict[int, str] = {0: "owner"}

    def can_add(self, by: int, target: int, role: str) -> bool:
        if by != OPERATOR and self.roles.get(by) not in INVITERS:
            return False
        return role in INVITABLE and target not in self.roles and len(self.roles) < SEAT_CAP

    def can_change(self, by: int, target: int, role: str) -> bool:
        if by != OPERATOR and self.roles.get(by) != "owner":  # only the Owner changes roles
            return False
        if target not in self.roles or by == target:
            return False
        current = self.roles[target]
        if by != OPERATOR and current == "owner":
            return False
        if role == current:
            return True  # nothing to change
        return role in INVITABLE and current != "owner"  # never to or from OWNER

    def can_remove(self, by: int, targets: list[int]) -> bool:
        if by != OPERATOR and self.roles.get(by) not in INVITERS:
            return False
        if any(t not in self.roles or t == by for t in targets):
            return False
        if any(self.roles[t] == "owner" for t in targets):
            return False
        return by == OPERATOR or all(self.roles[t] in REMOVES[self.roles[by]] for t in targets)

    def can_transfer(self, by: int, target: int) -> bool:
        # "contact support — it's a one-time operation we do manually"
        return by == OPERATOR and self.roles.get(target, "owner") != "owner"


def fresh_database(migrated: str, directory: Path) -> Database:
    """What the ``database`` fixture gives, made anew for every hypothesis example."""
    url = os.environ.get("TENANTRY_TEST_DATABASE_URL")
    if url:
        db = Database(url)
        tables = ", ".join(t.name for t in metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} CASCADE"))
        return db
    path = directory / "tenantry.db"
    path.unlink(missing_ok=True)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(migrated, path)
    return Database(f"sqlite:///{path}")


def test_random_member_operations_keep_the_distribu_rules(migrated, tmp_path):
    roles_st = st.sampled_from(["owner", "admin", "member"])

    class DistribuMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.db = fresh_database(migrated, tmp_path)
            self.t = Tenantry(self.db, "distribu", mail=MailboxTransport(tmp_path / "mailbox"))
            with self.t.db.transaction() as s:
                self.users = [
                    create_user(s, email=f"u{i}@example.com", name=f"U{i}", password=None)
                    for i in range(USERS)
                ]
            self.org = make_org(self.t, self.users[0], seat_cap=SEAT_CAP)
            self.model = DistribuModel()

        def teardown(self) -> None:
            self.t.close()

        # -- helpers ------------------------------------------------------------------------

        def actor(self, i: int) -> Actor:
            return Actor.operator() if i == OPERATOR else actor(self.users[i])

        def perms(self, i: int) -> frozenset[str]:
            if i == OPERATOR:
                return frozenset(self.t.policy.permissions)
            return self.t.authz.org_permissions(self.users[i].id, self.org.id)

        def attempt(self, expected: bool, changes: int, do: Callable[[Any], None]) -> bool:
            """Run one operation; check it succeeded iff the model said so, that a refusal
            changed nothing and that a success wrote one audit event per change."""
            # the whole database only where the model expects a refusal (it is slow to read);
            # an unexpected refusal fails on the model's verdict anyway
            before = db_rows(self.db) if not expected else None
            events = self.audit_count()
            try:
                with self.t.db.transaction() as s:
                    do(s)
            except DomainError as refused:
                assert not expected, f"refused, the model allows it: {refused.message}"
                assert db_rows(self.db) == before, "a refused operation changed the database"
                return False
            assert expected, "allowed, the model refuses it"
            assert self.audit_count() == events + changes
            return True

        def audit_count(self) -> int:
            with self.db.reading() as s:
                return s.scalar(select(func.count()).select_from(AuditEvent)) or 0

        def assert_within_granter(self, by: int, granter: frozenset[str], target: int) -> None:
            if by != OPERATOR:
                given = self.perms(target)
                assert given <= granter, f"granted {sorted(given - granter)} beyond the granter"

        @initialize(third=st.sampled_from(sorted(INVITABLE)))
        def team(self, third: str) -> None:
            """User 1 joins as ADMIN, 2 as MEMBER, 3 as either; 4 and 5 stay outside, with
            one seat left for them."""
            for i, role in enumerate(["admin", "member", third], start=1):
                self.add(OPERATOR, i, role)

        # -- rules --------------------------------------------------------------------------

        # Actors and targets are drawn mostly from the current members, so that most steps
        # reach the interesting rules; one outsider and the operator are always candidates.

        def outsiders(self) -> list[int]:
            return [i for i in range(USERS) if i not in self.model.roles]

        def pick_actor(self, data: st.DataObject) -> int:
            members_ = sorted(self.model.roles)
            choices = [*members_, *members_, OPERATOR, *self.outsiders()[:1]]
            return data.draw(st.sampled_from(choices), label="by")

        def pick_target(self, data: st.DataObject) -> int:
            choices = [*sorted(self.model.roles), *self.outsiders()[:1]]
            return data.draw(st.sampled_from(choices), label="who")

        @rule(data=st.data(), role=roles_st)
        def add_rule(self, data: st.DataObject, role: str) -> None:
            by = self.pick_actor(data)
            choices = [*self.outsiders(), *sorted(self.model.roles)[:2]]
            self.add(by, data.draw(st.sampled_from(choices), label="who"), role)

        @rule(data=st.data(), role=roles_st)
        def change_role_rule(self, data: st.DataObject, role: str) -> None:
            self.change_role(self.pick_actor(data), self.pick_target(data), role)

        @rule(data=st.data())
        def remove_rule(self, data: st.DataObject) -> None:
            by = self.pick_actor(data)
            candidates = [*sorted(self.model.roles), *self.outsiders()[:1]]
            victims = data.draw(
                st.lists(st.sampled_from(candidates), min_size=1, max_size=2, unique=True),
                label="victims",
            )
            self.remove(by, victims)

        @rule(data=st.data(), previous=st.sampled_from([None, "admin", "member"]))
        def transfer_rule(self, data: st.DataObject, previous: str | None) -> None:
            self.transfer(self.pick_actor(data), self.pick_target(data), previous)

        def add(self, by: int, who: int, role: str) -> None:
            granter = self.perms(by)
            ok = self.attempt(
                self.model.can_add(by, who, role),
                1,
                lambda s: members.add_member(
                    s,
                    self.t.authz,
                    actor=self.actor(by),
                    org_id=self.org.id,
                    user_id=self.users[who].id,
                    roles=[role],
                ),
            )
            if ok:
                self.model.roles[who] = role
                self.assert_within_granter(by, granter, who)

        def change_role(self, by: int, who: int, role: str) -> None:
            granter = self.perms(by)
            expected = self.model.can_change(by, who, role)
            noop = expected and self.model.roles[who] == role
            ok = self.attempt(
                expected,
                0 if noop else 1,
                lambda s: members.change_roles(
                    s,
                    self.t.authz,
                    actor=self.actor(by),
                    org_id=self.org.id,
                    user_id=self.users[who].id,
                    roles=[role],
                ),
            )
            if ok:
                self.model.roles[who] = role
                self.assert_within_granter(by, granter, who)

        def remove(self, by: int, victims: list[int]) -> None:
            ok = self.attempt(
                self.model.can_remove(by, victims),
                len(victims),
                lambda s: members.remove_members(
                    s,
                    self.t.authz,
                    actor=self.actor(by),
                    org_id=self.org.id,
                    user_ids=[self.users[i].id for i in victims],
                ),
            )
            if ok:
                for i in victims:
                    del self.model.roles[i]

        def transfer(self, by: int, who: int, previous: str | None) -> None:
            ok = self.attempt(
                self.model.can_transfer(by, who),
                1,
                lambda s: members.transfer_ownership(
                    s,
                    self.t.authz,
                    actor=self.actor(by),
                    org_id=self.org.id,
                    to_user_id=self.users[who].id,
                    previous_owner_role=previous,
                ),
            )
            if ok:
                (old,) = (i for i, r in self.model.roles.items() if r == "owner")
                self.model.roles[old] = previous or "admin"
                self.model.roles[who] = "owner"

        # -- invariants ---------------------------------------------------------------------

        def db_roles(self) -> dict[int, set[str]]:
            index = {u.id: i for i, u in enumerate(self.users)}
            with self.db.reading() as s:
                rows = s.execute(
                    select(Membership.user_id, MemberRole.role)
                    .outerjoin(MemberRole, MemberRole.membership_id == Membership.id)
                    .where(Membership.org_id == self.org.id)
                ).all()
            found: dict[int, set[str]] = {}
            for user_id, role in rows:
                found.setdefault(index[user_id], set())
                if role is not None:
                    found[index[user_id]].add(role)
            return found

        @invariant()
        def exactly_one_owner(self) -> None:
            owners = [i for i, roles in self.db_roles().items() if "owner" in roles]
            assert len(owners) == 1, owners

        @invariant()
        def model_matches_the_database(self) -> None:
            assert self.db_roles() == {i: {r} for i, r in self.model.roles.items()}

        @invariant()
        def seats_stay_within_the_cap(self) -> None:
            assert len(self.model.roles) <= SEAT_CAP

    run_state_machine_as_test(
        DistribuMachine,
        settings=settings(
            max_examples=25,
            stateful_step_count=15,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
