"""Verkkokurssikassa — "Members and Permissions" (shared/seeds/004_7ef9bf54cc487d9f.txt), at the
service level.

Every rule the page states is one test against the ``verkkokurssikassa`` preset.
"""

from __future__ import annotations

import pytest

from tenantry.errors import PermissionDenied
from tenantry.members import service as members
from tenantry.members.errors import CannotManageMember, CannotRemoveOwner, LastOwner
from tenantry.resources import service as resources
from tenantry.resources.service import AccessChange
from tenantry.writes import Actor
from tests.factories import actor, add_member, make_org, make_resource, make_user

SETTINGS, MAINTAIN, VIEW = "checkout.settings.edit", "checkout.data.maintain", "checkout.view"
ORDERS_VIEW, ORDERS_MANAGE = "checkout.orders.view", "checkout.orders.manage"
EVERY_CHECKOUT_PERMISSION = {SETTINGS, MAINTAIN, VIEW, ORDERS_VIEW, ORDERS_MANAGE}

# The page's "Checkout Roles" table, as permissions on one checkout.
CHECKOUT_ROLES = {
    "admin": EVERY_CHECKOUT_PERMISSION,  # "Full access to edit all checkout settings."
    "maintainer": {MAINTAIN, VIEW, ORDERS_VIEW, ORDERS_MANAGE},  # "maintain all checkout data"
    "viewer": {VIEW, ORDERS_VIEW},  # "Can only view ... without making changes."
    "customer_service": {ORDERS_VIEW, ORDERS_MANAGE},  # "Can only see the order management view"
}


@pytest.fixture
def t(tenantry_for):
    return tenantry_for("verkkokurssikassa")


@pytest.fixture
def team(t):
    """An organization with an Owner, an Admin and two Members, and one checkout."""
    owner, admin, member, member2 = (make_user(t) for _ in range(4))
    org = make_org(t, owner)
    add_member(t, org, admin, ["admin"])
    add_member(t, org, member, ["member"])
    add_member(t, org, member2, ["member"])
    checkout = make_resource(t, org, "checkout", "Spring course", by=owner)
    return org, owner, admin, member, member2, checkout


def _actor(who):
    return who if isinstance(who, Actor) else actor(who)


def set_access(t, by, org, user, checkout, role):
    with t.db.transaction() as s:
        resources.set_member_access(
            s,
            t.authz,
            actor=_actor(by),
            org_id=org.id,
            user_id=user.id,
            changes=[AccessChange(checkout.id, role)],
        )


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


def reach(t, org, user, checkout) -> set[str]:
    return set(t.authz.resource_permissions(user.id, org.id, checkout.id))


def roles_of(t, org, user) -> set[str]:
    return set(t.authz.snapshot(user.id, org.id).roles)


def is_member(t, org, user) -> bool:
    return t.authz.snapshot(user.id, org.id).is_member


# -- owners and admins are Admin on every checkout -----------------------------------------------


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_owners_and_admins_are_admin_on_every_checkout(t, team, who):
    org, owner, admin, *_, checkout = team
    user = {"owner": owner, "admin": admin}[who]
    assert reach(t, org, user, checkout) == EVERY_CHECKOUT_PERMISSION


@pytest.mark.parametrize("who", ["owner", "admin"])
def test_owners_and_admins_are_admin_on_checkouts_created_later(t, team, who):
    org, owner, admin, *_ = team
    user = {"owner": owner, "admin": admin}[who]
    later = make_resource(t, org, "checkout", "Autumn course", by=admin)
    assert reach(t, org, user, later) == EVERY_CHECKOUT_PERMISSION


def test_a_member_promoted_to_admin_is_admin_on_every_checkout(t, team):
    org, owner, _, member, _, checkout = team
    change_role(t, owner, org, member, "admin")
    assert reach(t, org, member, checkout) == EVERY_CHECKOUT_PERMISSION


def test_removing_an_admins_checkout_row_revokes_that_checkout_only(t, team):
    org, owner, admin, *_, checkout = team
    other = make_resource(t, org, "checkout", "Other", by=owner)
    set_access(t, owner, org, admin, checkout, None)
    assert reach(t, org, admin, checkout) == set()
    assert reach(t, org, admin, other) == EVERY_CHECKOUT_PERMISSION


def test_a_removed_admin_row_sticks_after_more_checkouts_are_created(t, team):
    org, owner, admin, *_, checkout = team
    set_access(t, owner, org, admin, checkout, None)
    later = make_resource(t, org, "checkout", "Autumn course", by=owner)
    make_resource(t, org, "checkout", "Winter course", by=owner)
    assert reach(t, org, admin, checkout) == set()
    assert reach(t, org, admin, later) == EVERY_CHECKOUT_PERMISSION


def test_adding_the_admin_row_back_restores_it(t, team):
    org, owner, admin, *_, checkout = team
    set_access(t, owner, org, admin, checkout, None)
    set_access(t, owner, org, admin, checkout, "admin")
    assert reach(t, org, admin, checkout) == EVERY_CHECKOUT_PERMISSION


def test_an_owners_row_can_be_removed_by_another_owner(t, team):
    org, owner, _, member, _, checkout = team
    change_role(t, owner, org, member, "owner")
    set_access(t, owner, org, member, checkout, None)
    assert reach(t, org, member, checkout) == set()


def test_an_admin_whose_row_was_removed_can_be_given_a_lesser_checkout_role(t, team):
    org, owner, admin, *_, checkout = team
    set_access(t, owner, org, admin, checkout, "viewer")
    assert reach(t, org, admin, checkout) == CHECKOUT_ROLES["viewer"]


# -- members: per-checkout access ----------------------------------------------------------------


def test_members_have_no_checkout_access_until_granted(t, team):
    org, _, _, member, *_, checkout = team
    assert reach(t, org, member, checkout) == set()


@pytest.mark.parametrize("role", list(CHECKOUT_ROLES))
def test_checkout_role_gives_exactly_its_permissions(t, team, role):
    org, owner, _, member, _, checkout = team
    set_access(t, owner, org, member, checkout, role)
    assert reach(t, org, member, checkout) == CHECKOUT_ROLES[role]


def test_customer_service_only_manages_orders(t, team):
    org, owner, _, member, _, checkout = team
    set_access(t, owner, org, member, checkout, "customer_service")
    assert t.authz.check(member.id, ORDERS_MANAGE, org.id, checkout.id)
    for denied in (SETTINGS, MAINTAIN, VIEW):
        assert not t.authz.check(member.id, denied, org.id, checkout.id), denied


def test_checkout_access_is_per_checkout(t, team):
    org, owner, _, member, _, checkout = team
    other = make_resource(t, org, "checkout", "Other", by=owner)
    set_access(t, owner, org, member, checkout, "maintainer")
    assert reach(t, org, member, other) == set()


def test_admin_grants_a_member_checkout_access(t, team):
    org, _, admin, member, _, checkout = team
    set_access(t, admin, org, member, checkout, "viewer")
    assert reach(t, org, member, checkout) == CHECKOUT_ROLES["viewer"]


def test_members_cannot_grant_checkout_access(t, team):
    org, owner, _, member, member2, checkout = team
    set_access(t, owner, org, member, checkout, "admin")
    with pytest.raises(PermissionDenied):
        set_access(t, member, org, member2, checkout, "viewer")
    assert reach(t, org, member2, checkout) == set()


def test_removing_checkout_access_revokes_it_at_once(t, team):
    org, owner, _, member, _, checkout = team
    set_access(t, owner, org, member, checkout, "maintainer")
    assert t.authz.check(member.id, VIEW, org.id, checkout.id)  # warms the cache
    set_access(t, owner, org, member, checkout, None)
    assert reach(t, org, member, checkout) == set()


# -- organization roles --------------------------------------------------------------------------


def test_owner_has_full_control_of_the_organization(t, team):
    org, owner, *_ = team
    for permission in (
        "org.settings.manage",
        "org.billing.manage",
        "org.members.remove",
        "org.checkouts.manage",
        "org.delete",
    ):
        assert t.authz.check(owner.id, permission, org.id), permission


def test_admin_manages_members_and_checkouts(t, team):
    org, _, admin, *_ = team
    for permission in (
        "org.members.invite",
        "org.members.remove",
        "org.members.role.change",
        "org.checkouts.create",
        "org.checkouts.manage",
    ):
        assert t.authz.check(admin.id, permission, org.id), permission


def test_admins_cannot_delete_the_organization(t, team):
    org, _, admin, *_ = team
    assert not t.authz.check(admin.id, "org.delete", org.id)


def test_members_cannot_manage_members_or_checkouts(t, team):
    org, _, _, member, *_ = team
    assert t.authz.check(member.id, "org.view", org.id)
    for permission in ("org.members.invite", "org.members.remove", "org.checkouts.create"):
        assert not t.authz.check(member.id, permission, org.id), permission


def test_admin_cannot_remove_an_owner(t, team):
    org, owner, admin, *_ = team
    with pytest.raises(CannotRemoveOwner):
        remove(t, admin, org, owner)
    assert roles_of(t, org, owner) == {"owner"}


def test_admin_cannot_demote_an_owner(t, team):
    org, owner, admin, *_ = team
    with pytest.raises(CannotRemoveOwner):
        change_role(t, admin, org, owner, "member")
    assert roles_of(t, org, owner) == {"owner"}


def test_admin_cannot_make_anyone_an_owner(t, team):
    org, _, admin, member, *_ = team
    with pytest.raises(CannotManageMember):
        change_role(t, admin, org, member, "owner")
    assert roles_of(t, org, member) == {"member"}


def test_admin_cannot_change_an_owners_checkout_access(t, team):
    org, owner, admin, *_, checkout = team
    with pytest.raises(CannotRemoveOwner):
        set_access(t, admin, org, owner, checkout, None)
    assert reach(t, org, owner, checkout) == EVERY_CHECKOUT_PERMISSION


def test_admin_can_remove_another_admin(t, team):
    org, owner, admin, member, *_ = team
    change_role(t, owner, org, member, "admin")
    remove(t, admin, org, member)
    assert not is_member(t, org, member)


def test_admin_changes_a_members_role(t, team):
    org, _, admin, member, *_ = team
    change_role(t, admin, org, member, "admin")
    assert roles_of(t, org, member) == {"admin"}


# -- owners control owners -----------------------------------------------------------------------


def test_owner_can_make_another_owner(t, team):
    org, owner, _, member, *_ = team
    change_role(t, owner, org, member, "owner")
    assert roles_of(t, org, member) == {"owner"}


def test_owner_can_remove_another_owner(t, team):
    org, owner, _, member, *_ = team
    change_role(t, owner, org, member, "owner")
    remove(t, owner, org, member)
    assert not is_member(t, org, member)


def test_owner_can_demote_another_owner(t, team):
    org, owner, _, member, *_ = team
    change_role(t, owner, org, member, "owner")
    change_role(t, owner, org, member, "admin")
    assert roles_of(t, org, member) == {"admin"}


def test_the_last_owner_cannot_be_removed(t, team):
    org, owner, *_ = team
    with pytest.raises(LastOwner):
        remove(t, Actor.operator(), org, owner)
    assert roles_of(t, org, owner) == {"owner"}


def test_the_last_owner_cannot_be_demoted(t, team):
    org, owner, *_ = team
    with pytest.raises(LastOwner):
        change_role(t, Actor.operator(), org, owner, "admin")
    assert roles_of(t, org, owner) == {"owner"}


# -- bulk delete ---------------------------------------------------------------------------------


def test_selected_members_are_deleted_together(t, team):
    org, owner, admin, member, member2, checkout = team
    set_access(t, owner, org, member, checkout, "viewer")
    remove(t, owner, org, admin, member, member2)
    for user in (admin, member, member2):
        assert not is_member(t, org, user)
        assert reach(t, org, user, checkout) == set()
    assert is_member(t, org, owner)


def test_a_bulk_delete_that_includes_an_owner_deletes_nobody_for_an_admin(t, team):
    org, owner, admin, member, member2, _ = team
    with pytest.raises(CannotRemoveOwner):
        remove(t, admin, org, member, owner, member2)
    for user in (owner, admin, member, member2):
        assert is_member(t, org, user)


def test_operator_transfer_naming_a_role_demotes_the_previous_owner(t):
    owner, heir = make_user(t), make_user(t)
    org = make_org(t, owner)
    add_member(t, org, heir, ["member"])
    with t.db.transaction() as s:
        members.transfer_ownership(
            s,
            t.authz,
            actor=Actor.operator(),
            org_id=org.id,
            to_user_id=heir.id,
            previous_owner_role="admin",
        )
    assert t.authz.snapshot(owner.id, org.id).roles == {"admin"}
    assert t.authz.snapshot(heir.id, org.id).roles == {"owner"}
