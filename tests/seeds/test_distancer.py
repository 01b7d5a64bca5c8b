"""Distancer.ai — "Organizations & Permissions" (shared/seeds/000_80e7aad3f707dd39.txt), at the
service level.

Every rule the page states is one test against the ``distancer`` preset.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tenantry.audit.service import Filter, events
from tenantry.errors import PermissionDenied
from tenantry.members import service as members
from tenantry.members.errors import (
    GrantExceedsOwnPermissions,
    LastOwner,
)
from tenantry.members.models import MemberPermission, Membership
from tenantry.orgs.service import orgs_of_user
from tenantry.writes import Actor
from tests.factories import actor, add_member, make_org, make_resource, make_user

ORGANIZATION = {"org.view", "org.manage", "org.profile.manage"}
CUSTOMER = {
    "customer.orders.view",
    "customer.purchases.use",
    "customer.orders.place",
    "customer.orders.manage",
}
PROVIDER = {
    "provider.products.view",
    "provider.products.manage",
    "provider.inventory.view",
    "provider.inventory.manage",
    "provider.files.view",
    "provider.files.manage",
    "provider.orders.view",
    "provider.orders.manage",
    "provider.communications.view",
    "provider.communications.manage",
    "provider.meetings.view",
    "provider.meetings.manage",
    "provider.meetings.organize",
}
EVERYTHING = ORGANIZATION | CUSTOMER | PROVIDER

# "Common Permission Setups", exactly as the page lists them.
TEMPLATES = {
    "store_manager": {
        "org.view",
        "provider.products.manage",
        "provider.inventory.manage",
        "provider.files.manage",
        "provider.orders.view",
        "provider.orders.manage",
        "provider.communications.view",
        "provider.communications.manage",
    },
    "customer_support": {
        "org.view",
        "provider.products.view",
        "provider.orders.view",
        "provider.orders.manage",
        "provider.communications.view",
        "provider.communications.manage",
    },
    "content_editor": {
        "org.view",
        "provider.products.view",
        "provider.products.manage",
        "provider.files.view",
        "provider.files.manage",
    },
    "session_host": {
        "org.view",
        "provider.meetings.view",
        "provider.meetings.manage",
        "provider.meetings.organize",
        "provider.communications.view",
    },
}


@pytest.fixture
def t(tenantry_for):
    return tenantry_for("distancer")


@pytest.fixture
def org_of(t):
    """An organization created (signed up) by its administrator."""
    admin = make_user(t)
    return make_org(t, admin), admin


def set_permissions(t, by, org, user, permissions):
    who = by if isinstance(by, Actor) else actor(by)
    with t.db.transaction() as s:
        members.set_permissions(
            s, t.authz, actor=who, org_id=org.id, user_id=user.id, permissions=permissions
        )


def held(t, org, user) -> set[str]:
    return set(t.authz.org_permissions(user.id, org.id))


def stored(t, org, user) -> set[str]:
    with t.db.reading() as s:
        return set(
            s.scalars(
                select(MemberPermission.permission)
                .join(Membership, Membership.id == MemberPermission.membership_id)
                .where(Membership.org_id == org.id, Membership.user_id == user.id)
            )
        )


def is_member(t, org, user) -> bool:
    return t.authz.snapshot(user.id, org.id).is_member


# -- organizations -------------------------------------------------------------------------------


def test_the_catalogue_is_the_pages_twenty_permissions(t):
    assert {p.id for p in t.policy.org_permissions} == EVERYTHING
    assert len(EVERYTHING) == 20


def test_creating_an_organization_makes_you_its_administrator_with_full_permissions(t, org_of):
    org, admin = org_of
    assert held(t, org, admin) == EVERYTHING


def test_any_user_can_register_additional_organizations_becoming_the_admin_of_each(t):
    user = make_user(t)
    first, second = make_org(t, user, "First"), make_org(t, user, "Second")
    assert held(t, first, user) == EVERYTHING
    assert held(t, second, user) == EVERYTHING


def test_a_user_can_belong_to_multiple_organizations(t, org_of):
    org, admin = org_of
    user = make_user(t)
    own = make_org(t, user, "Own")
    add_member(t, org, user, permissions=["org.view"], by=admin)
    assert {o.id for o in _orgs_of(t, user)} == {org.id, own.id}


def test_each_organization_has_its_own_members_and_permissions(t, org_of):
    org, admin = org_of
    user = make_user(t)
    own = make_org(t, user, "Own")
    add_member(t, org, user, permissions=["org.view"], by=admin)
    assert held(t, own, user) == EVERYTHING
    assert held(t, org, user) == {"org.view"}
    assert not is_member(t, own, admin)
    assert held(t, own, admin) == set()


def _orgs_of(t, user):
    with t.db.reading() as s:
        return orgs_of_user(s, user.id)


# -- customer and provider organizations ---------------------------------------------------------


def _kinds(t, org, user):
    return t.authz.snapshot(user.id, org.id).org.kinds


def test_every_organization_is_a_customer_organization_by_default(t, org_of):
    org, admin = org_of
    assert _kinds(t, org, admin) == {"customer"}


def test_creating_a_business_project_makes_a_customer_a_provider_too(t, org_of):
    org, admin = org_of
    make_resource(t, org, "business_project", "Yoga classes", by=admin)
    assert _kinds(t, org, admin) == {"customer", "provider"}


def test_only_a_manage_organization_holder_creates_a_business_project(t, org_of):
    org, admin = org_of
    clerk = make_user(t)
    add_member(t, org, clerk, permissions=["org.view"], by=admin)
    with pytest.raises(PermissionDenied):
        make_resource(t, org, "business_project", "Side shop", by=clerk)
    assert _kinds(t, org, admin) == {"customer"}


# -- inviting and granting -----------------------------------------------------------------------


def test_a_manage_organization_holder_can_invite_with_permissions(t, org_of):
    org, admin = org_of
    deputy, newcomer = make_user(t), make_user(t)
    add_member(t, org, deputy, permissions=["org.view", "org.manage"], by=admin)
    add_member(t, org, newcomer, permissions=["org.view"], by=deputy)
    assert held(t, org, newcomer) == {"org.view"}


def test_a_member_without_manage_organization_cannot_invite(t, org_of):
    org, admin = org_of
    clerk, newcomer = make_user(t), make_user(t)
    add_member(t, org, clerk, permissions=sorted(EVERYTHING - {"org.manage"}), by=admin)
    with pytest.raises(PermissionDenied):
        add_member(t, org, newcomer, permissions=["org.view"], by=clerk)
    assert not is_member(t, org, newcomer)


def test_you_cannot_grant_manage_meetings_without_holding_it(t, org_of):
    org, admin = org_of
    deputy, member = make_user(t), make_user(t)
    add_member(t, org, deputy, permissions=["org.view", "org.manage"], by=admin)
    add_member(t, org, member, permissions=["org.view"], by=admin)
    with pytest.raises(GrantExceedsOwnPermissions):
        set_permissions(t, deputy, org, member, ["org.view", "provider.meetings.manage"])
    assert held(t, org, member) == {"org.view"}


def test_you_cannot_invite_with_a_permission_you_do_not_hold(t, org_of):
    org, admin = org_of
    deputy, newcomer = make_user(t), make_user(t)
    add_member(t, org, deputy, permissions=["org.view", "org.manage"], by=admin)
    with pytest.raises(GrantExceedsOwnPermissions):
        add_member(t, org, newcomer, permissions=["provider.meetings.manage"], by=deputy)
    assert not is_member(t, org, newcomer)


def test_you_can_grant_a_permission_you_hold(t, org_of):
    org, admin = org_of
    deputy, member = make_user(t), make_user(t)
    add_member(t, org, deputy, permissions=["org.manage", "provider.meetings.manage"], by=admin)
    add_member(t, org, member, by=admin)
    set_permissions(t, deputy, org, member, ["provider.meetings.manage"])
    assert held(t, org, member) == {"provider.meetings.manage"}


def test_you_can_grant_what_you_hold_to_someone_holding_more_than_you(t, org_of):
    """The page: "You can only grant permissions that you yourself have." limits what is
    granted, not to whom: View Organization goes to a member who also holds Manage Meetings."""
    org, admin = org_of
    deputy, senior = make_user(t), make_user(t)
    add_member(t, org, deputy, permissions=["org.view", "org.manage"], by=admin)
    add_member(t, org, senior, permissions=["provider.meetings.manage"], by=admin)
    set_permissions(t, deputy, org, senior, ["org.view", "provider.meetings.manage"])
    assert held(t, org, senior) == {"org.view", "provider.meetings.manage"}
    with pytest.raises(GrantExceedsOwnPermissions):  # but nothing the deputy lacks
        set_permissions(t, deputy, org, senior, ["org.view", "provider.meetings.organize"])
    assert held(t, org, senior) == {"org.view", "provider.meetings.manage"}


def test_you_can_remove_someone_holding_more_than_you(t, org_of):
    """The page: "Administrators can remove members from the organization at any time." — anyone
    holding Manage Organization, whatever the member holds."""
    org, admin = org_of
    deputy, senior = make_user(t), make_user(t)
    add_member(t, org, deputy, permissions=["org.view", "org.manage"], by=admin)
    add_member(t, org, senior, permissions=["org.view", "provider.meetings.manage"], by=admin)
    set_permissions(t, deputy, org, senior, ["org.view"])  # "Add or remove individual permissions"
    assert held(t, org, senior) == {"org.view"}
    with t.db.transaction() as s:
        members.remove_members(s, t.authz, actor=actor(deputy), org_id=org.id, user_ids=[senior.id])
    assert not is_member(t, org, senior)


def test_permissions_are_added_one_by_one(t, org_of):
    org, admin = org_of
    member = make_user(t)
    add_member(t, org, member, by=admin)
    assert held(t, org, member) == set()
    set_permissions(t, admin, org, member, ["org.view"])
    assert held(t, org, member) == {"org.view"}
    set_permissions(t, admin, org, member, ["org.view", "customer.orders.view"])
    assert held(t, org, member) == {"org.view", "customer.orders.view"}
    assert stored(t, org, member) == {"org.view", "customer.orders.view"}


def test_permissions_are_removed_one_by_one_and_take_effect_immediately(t, org_of):
    org, admin = org_of
    member = make_user(t)
    add_member(t, org, member, permissions=["org.view", "customer.orders.place"], by=admin)
    assert t.authz.check(member.id, "customer.orders.place", org.id)  # warms the cache
    set_permissions(t, admin, org, member, ["org.view"])
    assert not t.authz.check(member.id, "customer.orders.place", org.id)
    assert t.authz.check(member.id, "org.view", org.id)


def test_a_permission_change_is_audited_with_before_and_after(t, org_of):
    org, admin = org_of
    member = make_user(t)
    add_member(t, org, member, permissions=["org.view"], by=admin)
    set_permissions(t, admin, org, member, ["org.view", "customer.orders.view"])
    with t.db.reading() as s:
        (event,) = events(s, org.id, Filter(actions=("member.permissions_changed",)))
    assert event.actor_id == admin.id and event.target_id == member.id
    assert event.before == {"permissions": ["org.view"]}
    assert event.after == {"permissions": ["customer.orders.view", "org.view"]}


# -- common permission setups (templates) --------------------------------------------------------


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_template_is_exactly_the_pages_list(t, name):
    assert set(t.policy.templates[name].permissions) == TEMPLATES[name]


def test_the_templates_are_exactly_the_pages_four_setups(t):
    labels = {tpl.label for tpl in t.policy.templates.values()}
    assert labels == {"Store Manager", "Customer Support", "Content Editor", "Session Host"}


@pytest.mark.parametrize("name", list(TEMPLATES))
def test_a_holder_of_a_whole_template_can_grant_it(t, org_of, name):
    org, admin = org_of
    granter, member = make_user(t), make_user(t)
    template = sorted(t.policy.templates[name].permissions)
    add_member(t, org, granter, permissions=[*template, "org.manage"], by=admin)
    add_member(t, org, member, by=admin)
    set_permissions(t, granter, org, member, template)
    assert held(t, org, member) == TEMPLATES[name]


def test_a_holder_of_part_of_a_template_cannot_grant_it(t, org_of):
    org, admin = org_of
    granter, member = make_user(t), make_user(t)
    template = set(t.policy.templates["store_manager"].permissions)
    add_member(
        t,
        org,
        granter,
        permissions=sorted(template - {"provider.inventory.manage"} | {"org.manage"}),
        by=admin,
    )
    add_member(t, org, member, by=admin)
    with pytest.raises(GrantExceedsOwnPermissions):
        set_permissions(t, granter, org, member, sorted(template))
    assert held(t, org, member) == set()


# -- removal and ownership -----------------------------------------------------------------------


def test_an_administrator_can_remove_a_member(t, org_of):
    org, admin = org_of
    member = make_user(t)
    add_member(t, org, member, permissions=["org.view"], by=admin)
    with t.db.transaction() as s:
        members.remove_members(s, t.authz, actor=actor(admin), org_id=org.id, user_ids=[member.id])
    assert not is_member(t, org, member)


def test_removal_revokes_all_permissions_immediately(t, org_of):
    org, admin = org_of
    member = make_user(t)
    add_member(t, org, member, permissions=sorted(TEMPLATES["store_manager"]), by=admin)
    assert t.authz.check(member.id, "provider.orders.manage", org.id)  # warms the cache
    with t.db.transaction() as s:
        members.remove_members(s, t.authz, actor=actor(admin), org_id=org.id, user_ids=[member.id])
    assert held(t, org, member) == set()
    assert stored(t, org, member) == set()


def test_ownership_is_transferred_by_granting_everything_including_manage_organization(t, org_of):
    org, admin = org_of
    successor = make_user(t)
    add_member(t, org, successor, permissions=["org.view"], by=admin)
    with t.db.transaction() as s:
        members.transfer_ownership(
            s, t.authz, actor=actor(admin), org_id=org.id, to_user_id=successor.id
        )
    assert held(t, org, successor) == EVERYTHING
    assert held(t, org, admin) == EVERYTHING  # "then coordinate the transition"


def test_transfer_needs_every_permission_to_grant(t, org_of):
    org, admin = org_of
    deputy, successor = make_user(t), make_user(t)
    add_member(t, org, deputy, permissions=["org.view", "org.manage"], by=admin)
    add_member(t, org, successor, permissions=["org.view"], by=admin)
    with pytest.raises(GrantExceedsOwnPermissions), t.db.transaction() as s:
        members.transfer_ownership(
            s, t.authz, actor=actor(deputy), org_id=org.id, to_user_id=successor.id
        )
    assert held(t, org, successor) == {"org.view"}


def test_after_the_transfer_the_new_administrator_can_remove_the_old(t, org_of):
    org, admin = org_of
    successor = make_user(t)
    add_member(t, org, successor, by=admin)
    with t.db.transaction() as s:
        members.transfer_ownership(
            s, t.authz, actor=actor(admin), org_id=org.id, to_user_id=successor.id
        )
    with t.db.transaction() as s:
        members.remove_members(
            s, t.authz, actor=actor(successor), org_id=org.id, user_ids=[admin.id]
        )
    assert not is_member(t, org, admin)
    assert held(t, org, successor) == EVERYTHING


def test_the_organization_keeps_a_manage_organization_holder_when_permissions_change(t, org_of):
    org, admin = org_of
    with pytest.raises(LastOwner):
        set_permissions(t, Actor.operator(), org, admin, sorted(EVERYTHING - {"org.manage"}))
    assert "org.manage" in held(t, org, admin)


def test_the_organization_keeps_a_manage_organization_holder_when_members_leave(t, org_of):
    org, admin = org_of
    with pytest.raises(LastOwner), t.db.transaction() as s:
        members.remove_members(
            s, t.authz, actor=Actor.operator(), org_id=org.id, user_ids=[admin.id]
        )
    assert is_member(t, org, admin)


def test_manage_organization_can_be_taken_from_one_of_two_holders(t, org_of):
    org, admin = org_of
    second = make_user(t)
    add_member(t, org, second, permissions=sorted(EVERYTHING), by=admin)
    set_permissions(t, admin, org, second, ["org.view"])
    assert held(t, org, second) == {"org.view"}
