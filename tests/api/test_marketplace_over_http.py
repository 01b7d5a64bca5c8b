"""The marketplace page (shared/seeds/003_6f0da2f9c20a8017.txt) over HTTP, where each of these
departures was seen: invitations across the hierarchy, the Distributor ReadOnly stacking, who
gives ReadOnly to whom, and who signs up and creates what."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tenantry.client import ApiError, calls
from tenantry.members import service as members
from tenantry.orgs.service import create_org
from tenantry.writes import Actor
from tests.api.conftest import PASSWORD
from tests.api.test_invitations import _link_token
from tests.factories import add_member, make_org, make_user


def _client(api, email):
    return api.anonymous.as_token(api.anonymous.send(calls.sign_in(email, PASSWORD)).token)


@pytest.fixture
def market(api_for):
    """A distributor (set up by the operator) with a seller and the seller's customer."""
    api = api_for("marketplace")
    t = api.t
    super_admin = make_user(t, "super@example.com", password=PASSWORD)
    distributor = make_org(t, super_admin, "Distri", kind="distributor", as_operator=True)
    seller_admin = make_user(t, "seller@example.com", password=PASSWORD)
    seller = make_org(t, seller_admin, "Seller", kind="seller", parent=distributor, by=super_admin)
    buyer = make_user(t, "buyer@example.com", password=PASSWORD)
    customer = make_org(t, buyer, "Buyer Co", kind="customer", parent=seller, by=seller_admin)
    return SimpleNamespace(
        api=api,
        t=t,
        distributor=distributor,
        seller=seller,
        customer=customer,
        super_admin=super_admin,
        seller_admin=seller_admin,
        buyer=buyer,
    )


def _distributor_member(market, email, roles):
    user = make_user(market.t, email, password=PASSWORD)
    add_member(market.t, market.distributor, user, roles)
    return user, _client(market.api, email)


def _allowed(client, user_id, permission, org_id):
    return client.send(calls.check(user_id, permission, org_id)).allowed


# -- item 3: invitations across the hierarchy -----------------------------------------------------


def test_a_sellers_invitation_into_its_customer_organization_can_be_accepted(market):
    """The page: "When inviting an end-customer user, it is suggested to use the “Customer”
    status." and ""Customer billing Admin" can be used if the seller thinks invoices should be
    visible for the customer." The Seller Admin is no member of the customer organization: its
    authority there is inherited from the seller, and acceptance re-checks it that way."""
    api, seller = market.api, _client(market.api, "seller@example.com")
    seller.send(calls.invite(market.customer.id, ["new@example.com"], roles=["customer"]))
    newcomer = api.anonymous.send(
        calls.sign_up_with_invitation(_link_token(api, "new@example.com"), "New", PASSWORD)
    )
    joined = api.anonymous.as_token(newcomer.token)
    assert joined.send(calls.get_org(market.customer.id)).my_roles == ["customer"]

    api.sign_up("billing@example.com")
    seller.send(
        calls.invite(market.customer.id, ["billing@example.com"], roles=["customer_billing_admin"])
    )
    billing = _client(api, "billing@example.com")
    accepted = billing.send(calls.accept_invitation(_link_token(api, "billing@example.com")))
    assert accepted.roles == ["customer_billing_admin"]
    assert _allowed(
        billing, billing.send(calls.me()).user.id, "customer.invoices.view", market.customer.id
    )


def test_an_inviter_who_lost_the_authority_is_told_what_is_missing(market):
    """The page: "When inviting an end-customer user, it is suggested to use the “Customer”
    status." If the seller's user who invited no longer may, the refusal names what they lack,
    not a membership they never had."""
    api, t = market.api, market.t
    seller = _client(api, "seller@example.com")
    seller.send(calls.invite(market.customer.id, ["late@example.com"], roles=["customer"]))
    add_member(t, market.seller, make_user(t), ["seller_admin"])  # the seller keeps one
    with t.db.transaction() as s:  # still reaches the customer, but cannot invite there
        members.change_roles(
            s,
            t.authz,
            actor=Actor.operator(),
            org_id=market.seller.id,
            user_id=market.seller_admin.id,
            roles=["subscription_manager"],
        )
    api.sign_up("late@example.com")
    with pytest.raises(ApiError) as caught:
        _client(api, "late@example.com").send(
            calls.accept_invitation(_link_token(api, "late@example.com"))
        )
    assert (caught.value.status, caught.value.code) == (403, "INVITER_LACKS_GRANT")
    assert "Invite users" in caught.value.message
    assert "member" not in caught.value.message


def test_an_inviter_with_no_access_left_is_told_so(market):
    """The page: "When inviting an end-customer user, it is suggested to use the “Customer”
    status." An inviter who reaches the customer organization no more, by any path, is named as
    such."""
    api, t = market.api, market.t
    seller = _client(api, "seller@example.com")
    seller.send(calls.invite(market.customer.id, ["gone@example.com"], roles=["customer"]))
    add_member(t, market.seller, make_user(t), ["seller_admin"])  # the seller keeps one
    with t.db.transaction() as s:
        members.change_roles(
            s,
            t.authz,
            actor=Actor.operator(),
            org_id=market.seller.id,
            user_id=market.seller_admin.id,
            roles=["product_manager"],  # a seller role that reaches no customer
        )
    api.sign_up("gone@example.com")
    with pytest.raises(ApiError) as caught:
        _client(api, "gone@example.com").send(
            calls.accept_invitation(_link_token(api, "gone@example.com"))
        )
    assert caught.value.code == "INVITER_LACKS_GRANT"
    assert "no longer has any access to Buyer Co" in caught.value.message


# -- item 4: Distributor ReadOnly stacks ----------------------------------------------------------


def test_distributor_readonly_alone_is_not_full_read_of_the_sku_and_distributor_portal(market):
    """The page: "For the platform, having the "Distributor ReadOnly" role alone is sufficient
    to gain read permissions. However, for the SKU and distributor portal, the "Distributor
    ReadOnly" role must be assigned in addition to the "Distributor admin" role to obtain full
    read permissions.\""""
    dist = market.distributor.id
    reader, client = _distributor_member(market, "reader@example.com", ["distributor_readonly"])
    admin, _ = _distributor_member(market, "admin@example.com", ["distributor_admin"])
    both, _ = _distributor_member(
        market, "both@example.com", ["distributor_admin", "distributor_readonly"]
    )
    assert _allowed(client, reader.id, "org.view", dist)
    assert _allowed(client, reader.id, "org.view", market.seller.id)  # platform read
    assert not _allowed(client, reader.id, "distributor.portal.read", dist)
    assert not _allowed(client, admin.id, "distributor.portal.read", dist)
    answer = client.send(calls.check(both.id, "distributor.portal.read", dist, explain=True))
    assert answer.allowed
    assert answer.explanation == [
        "holds Distributor admin and Distributor ReadOnly together, which gives "
        "Full read permissions in the SKU and distributor portal"
    ]


# -- item 5: a Distributor admin gives ReadOnly to another Distributor admin ---------------------


def test_a_distributor_admin_gives_distributor_readonly_to_another_distributor_admin(market):
    """The page: "Users assigned the "Distributor admin" or "Super admin" roles have the ability
    to grant the "Distributor ReadOnly" role" — and ReadOnly "must be assigned in addition to
    the "Distributor admin" role", so one Distributor admin may add it to another."""
    dist = market.distributor.id
    _, giver = _distributor_member(market, "giver@example.com", ["distributor_admin"])
    peer, _ = _distributor_member(market, "peer@example.com", ["distributor_admin"])
    out = giver.send(
        calls.update_member(dist, peer.id, roles=["distributor_admin", "distributor_readonly"])
    )
    assert out.roles == ["distributor_admin", "distributor_readonly"]
    assert _allowed(giver, peer.id, "distributor.portal.read", dist)
    # what one gives one may take back
    out = giver.send(calls.update_member(dist, peer.id, roles=["distributor_admin"]))
    assert out.roles == ["distributor_admin"]


def test_a_distributor_admin_cannot_remove_another_or_change_their_other_roles(market):
    """The page: "Users assigned the "Distributor admin" or "Super admin" roles have the ability
    to grant the "Distributor ReadOnly" role": that, and no more, over a fellow Distributor
    admin."""
    dist = market.distributor.id
    _, giver = _distributor_member(market, "giver@example.com", ["distributor_admin"])
    peer, _ = _distributor_member(market, "peer@example.com", ["distributor_admin"])
    for call in (
        calls.update_member(dist, peer.id, roles=["distributor_readonly"]),  # takes admin away
        calls.remove_member(dist, peer.id),
        calls.update_member(dist, market.super_admin.id, roles=["distributor_readonly"]),
    ):
        with pytest.raises(ApiError) as caught:
            giver.send(call)
        assert caught.value.code in ("CANNOT_MANAGE_MEMBER", "CANNOT_REMOVE_OWNER"), call.path
    reader, _ = _distributor_member(market, "reader@example.com", ["distributor_readonly"])
    with pytest.raises(ApiError) as caught:  # nor make anyone a Distributor admin
        giver.send(
            calls.update_member(
                dist, reader.id, roles=["distributor_admin", "distributor_readonly"]
            )
        )
    assert caught.value.code == "CANNOT_MANAGE_MEMBER"
    roles = {m.email: m.roles for m in giver.send(calls.list_members(dist)).items}
    assert roles["peer@example.com"] == ["distributor_admin"]
    assert roles["super@example.com"] == ["super_admin"]
    assert roles["reader@example.com"] == ["distributor_readonly"]


# -- item 6: sign-up and who creates a distributor ------------------------------------------------


def test_sign_up_asks_no_organization_name_where_one_joins_by_invitation(api_for):
    """The page: "When inviting an end-customer user, it is suggested to use the “Customer”
    status.": end-customer users join their organization by invitation; a customer organization
    always sits under its seller, so sign-up creates none, and says so instead of ignoring a
    name."""
    api = api_for("marketplace")
    with pytest.raises(ApiError) as caught:
        api.anonymous.send(calls.sign_up("walk-in@example.com", "Walk In", PASSWORD, "Walk-in Co"))
    assert (caught.value.status, caught.value.code) == (422, "INVALID")
    assert caught.value.details.get("field") == "organization_name"
    assert "invitation" in caught.value.message
    walk_in = api.sign_up("walk-in@example.com")  # without a name: an account, no organization
    assert walk_in.signed.organization is None
    assert walk_in.client.send(calls.me()).organizations == []


def test_a_signed_in_user_cannot_create_a_top_level_distributor(api_for):
    """The page's levels are "Distributor level", "Seller level" and "Customer Level", and
    only its distributor users grant distributor roles ("Users assigned the "Distributor admin"
    or "Super admin" roles have the ability to grant the "Distributor ReadOnly" role"): no
    passer-by makes themselves a distributor's Super admin. The operator sets distributors up."""
    api = api_for("marketplace")
    walk_in = api.sign_up("walk-in@example.com")
    with pytest.raises(ApiError) as caught:
        walk_in.client.send(calls.create_org("My Distri", kind="distributor"))
    assert (caught.value.status, caught.value.code) == (403, "CREATED_BY_OPERATOR")
    assert "operator" in caught.value.message
    assert walk_in.client.send(calls.me()).organizations == []
    with api.t.db.transaction() as s:  # the operator may (tenantry org create)
        org = create_org(
            s, api.t.authz, actor=Actor.operator(), creator=None, name="Distri", kind="distributor"
        )
        assert org.parent_id is None
