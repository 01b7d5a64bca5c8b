"""The marketplace page (distributor -> seller -> customer) as the `marketplace` preset:
additive roles per level, parent roles reaching children, and the 360° Report Viewer
granted on perspective organizations."""

from __future__ import annotations

import pytest

from tenantry.errors import DomainError
from tenantry.members import cross_org
from tenantry.members import service as members
from tenantry.writes import Actor
from tests.factories import actor, add_member, make_org, make_user


@pytest.fixture
def t(tenantry_for):
    return tenantry_for("marketplace")


@pytest.fixture
def tree(t):
    """A distributor with two sellers, each with a customer; the people who run them."""
    dist_admin = make_user(t, "dist-admin@example.com")
    distributor = make_org(t, dist_admin, "Distri", kind="distributor", as_operator=True)
    seller_admin = make_user(t, "seller-admin@example.com")
    other_admin = make_user(t, "other-seller@example.com")
    seller = make_org(
        t, seller_admin, "Seller One", kind="seller", parent=distributor, by=dist_admin
    )
    other = make_org(t, other_admin, "Seller Two", kind="seller", parent=distributor, by=dist_admin)
    buyer = make_user(t, "buyer@example.com")
    customer = make_org(t, buyer, "Customer A", kind="customer", parent=seller, by=seller_admin)
    other_customer = make_org(
        t, make_user(t), "Customer B", kind="customer", parent=other, by=other_admin
    )
    return {
        "distributor": distributor,
        "seller": seller,
        "other": other,
        "customer": customer,
        "other_customer": other_customer,
        "dist_admin": dist_admin,
        "seller_admin": seller_admin,
        "other_admin": other_admin,
        "buyer": buyer,
    }


def test_each_level_creator_gets_that_levels_admin_role(t, tree):
    roles = {
        name: t.authz.snapshot(tree[user].id, tree[org].id).roles
        for name, user, org in (
            ("distributor", "dist_admin", "distributor"),
            ("seller", "seller_admin", "seller"),
            ("customer", "buyer", "customer"),
        )
    }
    assert roles == {
        "distributor": {"super_admin"},
        "seller": {"seller_admin"},
        "customer": {"customer_admin"},
    }


def test_distributor_readonly_alone_gives_platform_read(t, tree):
    reader = make_user(t)
    add_member(t, tree["distributor"], reader, ["distributor_readonly"])
    assert t.authz.check(reader.id, "org.view", tree["distributor"].id)
    assert not t.authz.check(reader.id, "org.members.invite", tree["distributor"].id)


def test_distributor_admin_needs_readonly_too_for_full_portal_read(t, tree):
    admin = make_user(t)
    add_member(t, tree["distributor"], admin, ["distributor_admin"])
    assert not t.authz.check(admin.id, "distributor.portal.read", tree["distributor"].id)
    with t.db.transaction() as s:
        members.change_roles(
            s,
            t.authz,
            actor=Actor.operator(),
            org_id=tree["distributor"].id,
            user_id=admin.id,
            roles=["distributor_admin", "distributor_readonly"],
        )
    assert t.authz.check(admin.id, "distributor.portal.read", tree["distributor"].id)


def test_distributor_admin_may_grant_distributor_readonly(t, tree):
    admin, newcomer = make_user(t), make_user(t)
    add_member(t, tree["distributor"], admin, ["distributor_admin"])
    add_member(t, tree["distributor"], newcomer, ["distributor_readonly"], by=admin)
    assert t.authz.snapshot(newcomer.id, tree["distributor"].id).roles == {"distributor_readonly"}


def test_only_seller_admin_and_account_manager_edit_markups(t, tree):
    seller = tree["seller"]
    holders = {}
    for role in ("account_manager", "product_manager", "subscription_manager", "reseller_report"):
        user = make_user(t)
        add_member(t, seller, user, [role])
        holders[role] = t.authz.check(user.id, "seller.markups.edit", seller.id)
    holders["seller_admin"] = t.authz.check(
        tree["seller_admin"].id, "seller.markups.edit", seller.id
    )
    assert holders == {
        "seller_admin": True,
        "account_manager": True,
        "product_manager": False,
        "subscription_manager": False,
        "reseller_report": False,
    }


def test_product_manager_creates_products(t, tree):
    pm = make_user(t)
    add_member(t, tree["seller"], pm, ["product_manager"])
    assert t.authz.check(pm.id, "seller.products.create", tree["seller"].id)
    assert not t.authz.check(tree["seller_admin"].id, "seller.products.create", tree["seller"].id)


def test_reseller_report_is_added_on_top_of_existing_roles(t, tree):
    am = make_user(t)
    add_member(t, tree["seller"], am, ["account_manager"])
    assert not t.authz.check(am.id, "reports.reseller.view", tree["seller"].id)
    with t.db.transaction() as s:
        members.change_roles(
            s,
            t.authz,
            actor=actor(tree["seller_admin"]),
            org_id=tree["seller"].id,
            user_id=am.id,
            roles=["account_manager", "reseller_report"],
        )
    assert t.authz.check(am.id, "reports.reseller.view", tree["seller"].id)
    assert t.authz.check(am.id, "seller.markups.edit", tree["seller"].id)  # still additive


def test_360_report_is_available_to_distributor_and_seller_admins_without_the_viewer_role(t, tree):
    assert t.authz.check(tree["seller_admin"].id, "reports.360.view", tree["seller"].id)
    assert t.authz.check(tree["dist_admin"].id, "reports.360.view", tree["seller"].id)
    plain = make_user(t)
    add_member(t, tree["seller"], plain, ["product_manager"])
    assert not t.authz.check(plain.id, "reports.360.view", tree["seller"].id)


def test_customer_permissions_are_available_to_the_seller_and_the_customer(t, tree):
    customer = tree["customer"]
    for user in (tree["seller_admin"], tree["buyer"]):
        assert t.authz.check(user.id, "customer.subscriptions.manage", customer.id)


def test_seller_admin_sees_a_child_customer_only_as_declared(t, tree):
    customer = tree["customer"]
    seller_admin = tree["seller_admin"]
    granted = t.authz.org_permissions(seller_admin.id, customer.id)
    assert "customer.invoices.view" in granted  # the seller decides on invoices
    assert "org.delete" not in granted and "org.manage" not in granted
    explanation = t.authz.explain(seller_admin.id, "customer.subscriptions.view", customer.id)
    assert any("Seller One" in reason for reason in explanation.reasons)


def test_a_seller_reaches_only_its_own_customers(t, tree):
    assert not t.authz.check(tree["seller_admin"].id, "org.view", tree["other_customer"].id)
    assert not t.authz.check(tree["other_admin"].id, "org.view", tree["customer"].id)


def test_seller_admin_invites_customer_users_acting_as_customer_admin(t, tree):
    newcomer = make_user(t)
    add_member(t, tree["customer"], newcomer, ["customer"], by=tree["seller_admin"])
    assert t.authz.snapshot(newcomer.id, tree["customer"].id).roles == {"customer"}


def test_customer_status_gives_no_sensitive_data(t, tree):
    user = make_user(t)
    add_member(t, tree["customer"], user, ["customer"], by=tree["buyer"])
    assert t.authz.check(user.id, "customer.subscriptions.purchase", tree["customer"].id)
    assert not t.authz.check(user.id, "customer.invoices.view", tree["customer"].id)
    assert not t.authz.check(user.id, "org.members.invite", tree["customer"].id)


def test_customer_admin_invites_users_of_the_same_organization(t, tree):
    user = make_user(t)
    add_member(t, tree["customer"], user, ["customer_admin"], by=tree["buyer"])
    assert t.authz.check(user.id, "org.members.invite", tree["customer"].id)


def test_customer_billing_admin_sees_invoices(t, tree):
    billing = make_user(t)
    add_member(t, tree["customer"], billing, ["customer_billing_admin"], by=tree["seller_admin"])
    assert t.authz.check(billing.id, "customer.invoices.view", tree["customer"].id)


def test_admins_assign_the_360_viewer_to_themselves_for_a_perspective_org(t, tree):
    dist_admin, other = tree["dist_admin"], tree["other"]
    with t.db.transaction() as s:
        cross_org.grant(
            s,
            t.authz,
            actor=actor(dist_admin),
            org_id=other.id,
            user_id=dist_admin.id,
            role="report_360_viewer",
        )
    assert "report_360_viewer" in t.authz.snapshot(dist_admin.id, other.id).cross_roles


def test_a_360_viewer_grant_on_one_org_gives_nothing_on_another(t, tree):
    analyst = make_user(t)
    with t.db.transaction() as s:
        cross_org.grant(
            s,
            t.authz,
            actor=actor(tree["seller_admin"]),
            org_id=tree["seller"].id,
            user_id=analyst.id,
            role="report_360_viewer",
        )
    assert t.authz.check(analyst.id, "reports.360.view", tree["seller"].id)
    assert not t.authz.check(analyst.id, "reports.360.view", tree["other"].id)
    assert not t.authz.check(analyst.id, "org.view", tree["other"].id)
    assert t.authz.org_permissions(analyst.id, tree["seller"].id) == {"reports.360.view"}


def test_a_seller_admin_cannot_grant_the_360_viewer_on_another_sellers_org(t, tree):
    analyst = make_user(t)
    with pytest.raises(DomainError) as caught, t.db.transaction() as s:
        cross_org.grant(
            s,
            t.authz,
            actor=actor(tree["seller_admin"]),
            org_id=tree["other"].id,
            user_id=analyst.id,
            role="report_360_viewer",
        )
    assert caught.value.code == "NOT_FOUND"


def test_only_cross_org_roles_can_be_granted_across_organizations(t, tree):
    with pytest.raises(DomainError) as caught, t.db.transaction() as s:
        cross_org.grant(
            s,
            t.authz,
            actor=actor(tree["seller_admin"]),
            org_id=tree["seller"].id,
            user_id=make_user(t).id,
            role="seller_admin",
        )
    assert caught.value.code == "INVALID"


def test_only_the_operator_sets_up_a_distributor(t):
    """Nobody makes themselves a distributor's Super admin: "Users assigned the "Distributor
    admin" or "Super admin" roles have the ability to grant the "Distributor ReadOnly" role"
    — the roles are given; the operator sets the distributor up (tenantry org create)."""
    user = make_user(t)
    with pytest.raises(DomainError) as caught:
        make_org(t, user, "Mine", kind="distributor")
    assert caught.value.code == "CREATED_BY_OPERATOR"
    org = make_org(t, user, "Distri", kind="distributor", as_operator=True)
    assert t.authz.snapshot(user.id, org.id).roles == {"super_admin"}


def test_a_customer_cannot_be_created_directly_under_a_distributor(t, tree):
    with pytest.raises(DomainError) as caught:
        make_org(t, tree["dist_admin"], "Wrong place", kind="customer", parent=tree["distributor"])
    assert "cannot be placed under a distributor" in caught.value.message


def test_removing_a_member_revokes_their_360_grant_on_that_org(t, tree):
    analyst = make_user(t)
    add_member(t, tree["seller"], analyst, ["product_manager"])
    with t.db.transaction() as s:
        cross_org.grant(
            s,
            t.authz,
            actor=actor(tree["seller_admin"]),
            org_id=tree["seller"].id,
            user_id=analyst.id,
            role="report_360_viewer",
        )
    assert t.authz.check(analyst.id, "reports.360.view", tree["seller"].id)
    with t.db.transaction() as s:
        members.remove_members(
            s,
            t.authz,
            actor=actor(tree["seller_admin"]),
            org_id=tree["seller"].id,
            user_ids=[analyst.id],
        )
    assert not t.authz.check(analyst.id, "reports.360.view", tree["seller"].id)
