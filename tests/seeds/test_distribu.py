"""Distribu — "Team & roles" (shared/seeds/001_3430fda40354512f.txt), at the service level.

Every rule the page states is one test against the ``distribu`` preset.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tenantry.apikeys import service as apikeys
from tenantry.audit import service as audit
from tenantry.audit.models import AuditEvent
from tenantry.authz.service import Authorizer
from tenantry.errors import DomainError, PermissionDenied
from tenantry.members import _rows
from tenantry.members import service as members
from tenantry.members.errors import (
    CannotChangeOwnRole,
    CannotManageMember,
    CannotRemoveOwner,
    CannotRemoveSelf,
    LastOwner,
    RoleNotAssignable,
    SeatLimit,
    UniqueRoleTaken,
)
from tenantry.members.models import MemberRole, Membership
from tenantry.orgs.models import Organization
from tenantry.store import signals
from tenantry.writes import Actor
from tests.factories import actor, add_member, make_org, make_user

Y, N = True, False

# The page's "Role matrix": (permission id, OWNER, ADMIN, MEMBER).
ROLE_MATRIX = {
    "Sign into the dashboard": ("org.dashboard.access", Y, Y, Y),
    "View inventory, customers, orders": ("org.data.view", Y, Y, Y),
    "Create / edit products": ("org.products.edit", Y, Y, Y),
    "Place and manage orders": ("org.orders.manage", Y, Y, Y),
    "Invite new members": ("org.members.invite", Y, Y, N),
    "Remove members": ("org.members.remove", Y, Y, N),
    "Change a member's role": ("org.members.role.change", Y, N, N),
    "Create / revoke API keys": ("org.api_keys.manage", Y, Y, N),
    "Configure webhooks": ("org.webhooks.manage", Y, Y, N),
    "Manage billing & subscription": ("org.billing.manage", Y, N, N),
    "Delete the company": ("org.delete", Y, N, N),
}


@pytest.fixture
def t(tenantry_for):
    return tenantry_for("distribu")


@pytest.fixture
def team(t):
    """A company with its OWNER, two ADMINs and two MEMBERs."""
    owner, admin, admin2, member, member2 = (make_user(t) for _ in range(5))
    org = make_org(t, owner)
    add_member(t, org, admin, ["admin"])
    add_member(t, org, admin2, ["admin"])
    add_member(t, org, member, ["member"])
    add_member(t, org, member2, ["member"])
    return org, owner, admin, admin2, member, member2


def _actor(who):
    return who if isinstance(who, Actor) else actor(who)


def change_role(t, by, org, user, role):
    with t.db.transaction() as s:
        members.change_roles(
            s, t.authz, actor=_actor(by), org_id=org.id, user_id=user.id, roles=[role]
        )


def remove(t, by, org, *users):
    with t.db.transaction() as s:
        members.remove_members(
            s, t.authz, actor=_actor(by), org_id=org.id, user_ids=[u.id for u in users]
        )


def invite(t, by, org, user, role):
    with t.db.transaction() as s:
        members.add_member(
            s, t.authz, actor=_actor(by), org_id=org.id, user_id=user.id, roles=[role]
        )


def roles_in_db(t, org) -> dict[str, set[str]]:
    with t.db.reading() as s:
        rows = s.execute(
            select(Membership.user_id, MemberRole.role)
            .outerjoin(MemberRole, MemberRole.membership_id == Membership.id)
            .where(Membership.org_id == org.id)
        ).all()
    found: dict[str, set[str]] = {}
    for user_id, role in rows:
        found.setdefault(user_id, set())
        if role is not None:
            found[user_id].add(role)
    return found


def owners_in_db(t, org) -> list[str]:
    return sorted(u for u, roles in roles_in_db(t, org).items() if "owner" in roles)


def revision(t, org) -> int:
    with t.db.reading() as s:
        return s.scalar(select(Organization.revision).where(Organization.id == org.id))


# -- the role matrix -----------------------------------------------------------------------------


@pytest.mark.parametrize("row", list(ROLE_MATRIX))
def test_role_matrix_row_holds_for_each_role(t, team, row):
    org, owner, admin, _, member, _ = team
    permission, *marks = ROLE_MATRIX[row]
    held = [t.authz.check(u.id, permission, org.id) for u in (owner, admin, member)]
    assert held == marks


def test_signing_up_makes_you_the_owner_of_the_company_you_created(t):
    founder = make_user(t)
    org = make_org(t, founder)
    assert roles_in_db(t, org) == {founder.id: {"owner"}}


# -- exactly one OWNER ---------------------------------------------------------------------------


def test_there_is_exactly_one_owner_per_company(t, team):
    org, owner, *_ = team
    assert owners_in_db(t, org) == [owner.id]


def test_nobody_can_be_added_as_a_second_owner(t, team):
    org, owner, *_ = team
    newcomer = make_user(t)
    with pytest.raises((RoleNotAssignable, UniqueRoleTaken)):
        invite(t, owner, org, newcomer, "owner")
    assert owners_in_db(t, org) == [owner.id]
    assert newcomer.id not in roles_in_db(t, org)


def test_not_even_the_operator_can_add_a_second_owner(t, team):
    org, owner, *_ = team
    newcomer = make_user(t)
    with pytest.raises((RoleNotAssignable, UniqueRoleTaken)):
        invite(t, Actor.operator(), org, newcomer, "owner")
    assert owners_in_db(t, org) == [owner.id]


def test_owner_cannot_promote_anyone_else_to_owner(t, team):
    org, owner, admin, *_ = team
    with pytest.raises((RoleNotAssignable, UniqueRoleTaken)):
        change_role(t, owner, org, admin, "owner")
    assert owners_in_db(t, org) == [owner.id]
    assert roles_in_db(t, org)[admin.id] == {"admin"}


def test_not_even_the_operator_can_promote_a_member_to_owner(t, team):
    org, owner, _, _, member, _ = team
    with pytest.raises((RoleNotAssignable, UniqueRoleTaken)):
        change_role(t, Actor.operator(), org, member, "owner")
    assert owners_in_db(t, org) == [owner.id]


def test_owner_cannot_change_their_own_role(t, team):
    org, owner, *_ = team
    with pytest.raises(CannotChangeOwnRole):
        change_role(t, owner, org, owner, "admin")
    assert owners_in_db(t, org) == [owner.id]


def test_operator_transfer_of_ownership_leaves_exactly_one_owner(t, team):
    org, owner, admin, *_ = team
    with t.db.transaction() as s:
        members.transfer_ownership(
            s, t.authz, actor=Actor.operator(), org_id=org.id, to_user_id=admin.id
        )
    assert owners_in_db(t, org) == [admin.id]
    assert roles_in_db(t, org)[owner.id] == {"admin"}
    assert t.authz.check(admin.id, "org.delete", org.id)
    assert not t.authz.check(owner.id, "org.delete", org.id)


def test_ownership_transfer_is_done_by_support_not_by_the_owner(t, team):
    org, owner, admin, *_ = team
    with pytest.raises(DomainError) as refused, t.db.transaction() as s:
        members.transfer_ownership(
            s, t.authz, actor=actor(owner), org_id=org.id, to_user_id=admin.id
        )
    assert getattr(refused.value, "code", None) in {"INVALID", "PERMISSION_DENIED"}
    assert owners_in_db(t, org) == [owner.id]


# -- removing members ----------------------------------------------------------------------------


def test_admin_can_remove_a_member(t, team):
    org, _, admin, _, member, _ = team
    remove(t, admin, org, member)
    assert member.id not in roles_in_db(t, org)


def test_admin_cannot_remove_another_admin(t, team):
    org, _, admin, admin2, *_ = team
    with pytest.raises(CannotManageMember):
        remove(t, admin, org, admin2)
    assert roles_in_db(t, org)[admin2.id] == {"admin"}


def test_owner_can_remove_an_admin(t, team):
    org, owner, _, admin2, *_ = team
    remove(t, owner, org, admin2)
    assert admin2.id not in roles_in_db(t, org)


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_nobody_can_remove_themselves(t, team, who):
    org, owner, admin, *_ = team
    me = {"owner": owner, "admin": admin}[who]
    with pytest.raises(CannotRemoveSelf):
        remove(t, me, org, me)
    assert me.id in roles_in_db(t, org)


def test_admin_cannot_remove_the_owner(t, team):
    org, owner, admin, *_ = team
    with pytest.raises(CannotRemoveOwner):
        remove(t, admin, org, owner)
    assert owners_in_db(t, org) == [owner.id]


def test_not_even_the_operator_can_remove_the_owner(t, team):
    org, owner, *_ = team
    with pytest.raises(LastOwner):
        remove(t, Actor.operator(), org, owner)
    assert owners_in_db(t, org) == [owner.id]


def test_members_cannot_remove_members(t, team):
    org, _, _, _, member, member2 = team
    with pytest.raises(PermissionDenied):
        remove(t, member, org, member2)
    assert member2.id in roles_in_db(t, org)


def test_bulk_removal_is_all_or_nothing(t, team):
    org, _, admin, admin2, member, member2 = team
    before = roles_in_db(t, org)
    with pytest.raises(CannotManageMember):
        remove(t, admin, org, member, admin2, member2)  # admin2 is forbidden to this admin
    assert roles_in_db(t, org) == before


def test_owner_can_remove_several_members_at_once(t, team):
    org, owner, admin, _, member, member2 = team
    remove(t, owner, org, admin, member, member2)
    assert set(roles_in_db(t, org)) == {owner.id, team[3].id}


def test_removed_member_loses_access_on_the_next_check(t, team):
    org, owner, _, _, member, _ = team
    assert t.authz.check(member.id, "org.data.view", org.id)  # warms the cache
    remove(t, owner, org, member)
    assert not t.authz.check(member.id, "org.data.view", org.id)
    assert not t.authz.check(member.id, "org.dashboard.access", org.id)


def test_removal_revokes_at_once_in_a_single_process_cache_without_revalidation(t, team, database):
    org, owner, _, _, member, _ = team
    fast = Authorizer(database, t.policy, validate=False)
    try:
        assert fast.check(member.id, "org.data.view", org.id)
        assert fast.check(member.id, "org.data.view", org.id)
        assert fast.cache.hits >= 1  # the cache was warm
        remove(t, owner, org, member)
        assert not fast.check(member.id, "org.data.view", org.id)
    finally:
        fast.close()


def test_removal_made_on_another_node_revokes_at_once(t, team, database):
    org, owner, _, _, member, _ = team
    # validating each check (the fallback while no push channel is up): exact, no token needed
    other_node = Authorizer(database, t.policy, coherence="validate")
    signals.remove_listener(other_node._invalidate)  # hears nothing about this node's commits
    try:
        assert other_node.check(member.id, "org.data.view", org.id)
        assert other_node.check(member.id, "org.data.view", org.id)
        assert other_node.cache.hits >= 1
        remove(t, owner, org, member)
        assert not other_node.check(member.id, "org.data.view", org.id)
    finally:
        other_node.close()


# -- inviting ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "member"])
def test_admin_can_add_an_admin_or_a_member(t, team, role):
    org, _, admin, *_ = team
    newcomer = make_user(t)
    invite(t, admin, org, newcomer, role)
    assert roles_in_db(t, org)[newcomer.id] == {role}


@pytest.mark.parametrize("role", ["admin", "member"])
def test_owner_can_add_an_admin_or_a_member(t, team, role):
    org, owner, *_ = team
    newcomer = make_user(t)
    invite(t, owner, org, newcomer, role)
    assert roles_in_db(t, org)[newcomer.id] == {role}


def test_members_cannot_invite(t, team):
    org, _, _, _, member, _ = team
    newcomer = make_user(t)
    with pytest.raises(PermissionDenied):
        invite(t, member, org, newcomer, "member")
    assert newcomer.id not in roles_in_db(t, org)


def test_adding_beyond_the_seat_cap_is_refused(t):
    owner, first, second = make_user(t), make_user(t), make_user(t)
    org = make_org(t, owner, seat_cap=2)
    invite(t, owner, org, first, "member")
    with pytest.raises(SeatLimit):
        invite(t, owner, org, second, "member")
    assert set(roles_in_db(t, org)) == {owner.id, first.id}


def test_a_new_company_has_a_seat_cap(t):
    owner = make_user(t)
    org = make_org(t, owner)
    assert org.seat_cap == t.policy.default_seat_cap is not None


# -- changing roles ------------------------------------------------------------------------------


def test_only_the_owner_changes_roles(t, team):
    org, owner, _, _, member, _ = team
    change_role(t, owner, org, member, "admin")
    assert roles_in_db(t, org)[member.id] == {"admin"}


@pytest.mark.parametrize("who", ["admin", "member"])
def test_admins_and_members_cannot_change_roles(t, team, who):
    org, _, admin, _, member, member2 = team
    me = {"admin": admin, "member": member}[who]
    with pytest.raises(PermissionDenied):
        change_role(t, me, org, member2, "admin")
    assert roles_in_db(t, org)[member2.id] == {"member"}


def test_role_change_takes_effect_on_the_next_check(t, team):
    org, owner, _, _, member, _ = team
    assert not t.authz.check(member.id, "org.members.invite", org.id)  # warms the cache
    change_role(t, owner, org, member, "admin")
    assert t.authz.check(member.id, "org.members.invite", org.id)
    change_role(t, owner, org, member, "member")
    assert not t.authz.check(member.id, "org.members.invite", org.id)


def test_setting_the_role_a_member_already_has_changes_nothing(t, team):
    org, owner, _, _, member, _ = team
    before = revision(t, org)
    change_role(t, owner, org, member, "member")
    assert roles_in_db(t, org)[member.id] == {"member"}
    assert revision(t, org) == before


# -- audit trail and revisions -------------------------------------------------------------------


def _events(t, org, action):
    with t.db.reading() as s:
        return audit.events(s, org.id, audit.Filter(actions=(action,)))


def test_adding_a_member_is_audited_with_actor_and_the_role_given(t, team):
    org, owner, *_ = team
    newcomer = make_user(t)
    invite(t, Actor(user_id=owner.id, label=owner.email, ip="203.0.113.7"), org, newcomer, "admin")
    (event,) = [e for e in _events(t, org, "member.added") if e.target_id == newcomer.id]
    assert (event.actor_id, event.actor, event.ip) == (owner.id, owner.email, "203.0.113.7")
    assert event.after == {"roles": ["admin"], "permissions": []}
    assert event.occurred_at is not None


def test_role_change_is_audited_with_actor_before_and_after(t, team):
    org, owner, _, _, member, _ = team
    change_role(t, owner, org, member, "admin")
    (event,) = _events(t, org, "member.roles_changed")
    assert (event.actor_id, event.target_id) == (owner.id, member.id)
    assert event.before == {"roles": ["member"]}
    assert event.after == {"roles": ["admin"]}


def test_removal_is_audited_with_actor_and_what_the_member_held(t, team):
    org, _, admin, _, member, _ = team
    remove(t, admin, org, member)
    (event,) = _events(t, org, "member.removed")
    assert (event.actor_id, event.target_id) == (admin.id, member.id)
    assert event.before["roles"] == ["member"]


def test_bulk_removal_is_audited_once_per_member(t, team):
    org, owner, admin, _, member, member2 = team
    remove(t, owner, org, admin, member, member2)
    events = _events(t, org, "member.removed")
    assert sorted(e.target_id for e in events) == sorted([admin.id, member.id, member2.id])
    assert {e.actor_id for e in events} == {owner.id}


def test_a_refused_change_writes_no_audit_event(t, team):
    org, _, admin, admin2, *_ = team
    with t.db.reading() as s:
        count = s.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(CannotManageMember):
        remove(t, admin, org, admin2)
    with t.db.reading() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == count


@pytest.mark.parametrize("change", ["add", "role", "remove"])
def test_every_member_change_bumps_the_revision(t, team, change):
    org, owner, _, _, member, _ = team
    before = revision(t, org)
    if change == "add":
        invite(t, owner, org, make_user(t), "member")
    elif change == "role":
        change_role(t, owner, org, member, "admin")
    else:
        remove(t, owner, org, member)
    assert revision(t, org) == before + 1


def test_the_database_itself_refuses_a_second_owner(t, team):
    org, owner, admin, *_ = team
    with pytest.raises(UniqueRoleTaken), t.db.transaction() as s:
        membership = s.scalar(
            select(Membership).where(Membership.org_id == org.id, Membership.user_id == admin.id)
        )
        _rows.set_roles(s, t.policy, membership, {"owner"})  # no service rule in the way
    assert owners_in_db(t, org) == [owner.id]


# -- API keys belong to the company --------------------------------------------------------------


def test_api_keys_a_removed_member_created_remain_active(t, team):
    org, owner, admin, *_ = team
    with t.db.transaction() as s:
        key, token = apikeys.create_key(
            s, t.authz, actor=actor(admin), org_id=org.id, name="ERP sync", roles=["member"]
        )
    remove(t, owner, org, admin)
    found = apikeys.authenticate(t.db, token)
    assert found is not None and found.id == key.id and found.revoked_at is None
