"""Verkkokurssikassa's checkout rules over HTTP (issue 9, items 1 and 2).

"Owners and Admins automatically receive the Admin checkout role on every checkout in the
organization ... If you need an Owner or Admin to lose access to a specific checkout, the
row can be removed manually via Edit Checkout Access."
"Admin — Full access to edit all checkout settings."
"""

from __future__ import annotations

import pytest

from tenantry.client import ApiError, calls
from tests.api.conftest import PASSWORD
from tests.api.test_invitations import _link_token


@pytest.fixture
def shop(api_for):
    api = api_for("verkkokurssikassa")
    owner = api.sign_up("owner@example.com")
    c1 = owner.client.send(calls.create_resource(owner.org_id, "checkout", "C1"))
    c2 = owner.client.send(calls.create_resource(owner.org_id, "checkout", "C2"))

    def join(email: str, role: str, grants: dict[str, str] | None = None):
        api.sign_up(email)
        owner.client.send(calls.invite(owner.org_id, [email], roles=[role], resource_grants=grants))
        client = api.anonymous.as_token(api.anonymous.send(calls.sign_in(email, PASSWORD)).token)
        client.send(calls.accept_invitation(_link_token(api, email)))
        return client, client.send(calls.me()).user.id

    return api, owner, c1, c2, join


def _status(call, client) -> int:
    try:
        client.send(call)
    except ApiError as exc:
        return exc.status
    return 200


def test_an_admin_whose_checkout_row_was_removed_loses_that_checkout_entirely(shop):
    """ "If you need an Owner or Admin to lose access to a specific checkout, the row can be
    removed manually via Edit Checkout Access." Lost access: no read, no change, no delete,
    not listed, no access editing — for that checkout only."""
    _, owner, c1, c2, join = shop
    admin, admin_id = join("admin@example.com", "admin")
    owner.client.send(calls.set_member_access(owner.org_id, admin_id, {c1.id: None}))
    org = owner.org_id

    assert _status(calls.get_resource(org, c1.id), admin) == 404
    assert _status(calls.update_resource(org, c1.id, name="Mine now"), admin) == 404
    assert _status(calls.delete_resource(org, c1.id), admin) == 404
    assert _status(calls.set_member_access(org, admin_id, {c1.id: "admin"}), admin) == 404
    assert [r.name for r in admin.send(calls.list_resources(org)).items] == ["C2"]
    assert _status(calls.check(admin_id, "checkout.view", org, c1.id), admin) == 404
    # C1 is untouched, and C2 is still the admin's to manage
    assert owner.client.send(calls.get_resource(org, c1.id)).name == "C1"
    assert admin.send(calls.update_resource(org, c2.id, name="C2 renamed")).name == "C2 renamed"
    assert [a.resource_name for a in admin.send(calls.member_access(org, admin_id))] == [
        "C2 renamed"
    ]
    # an owner adds the row back, and the admin has C1 again
    owner.client.send(calls.set_member_access(org, admin_id, {c1.id: "admin"}))
    assert admin.send(calls.get_resource(org, c1.id)).name == "C1"


def test_a_checkout_admin_edits_that_checkouts_settings_but_not_others(shop):
    """ "Admin — Full access to edit all checkout settings." A Member holding the checkout
    role Admin renames that checkout; creating and deleting stay organization-level."""
    _, owner, c1, c2, join = shop
    member, _ = join("member@example.com", "member", {c1.id: "admin"})
    org = owner.org_id
    assert member.send(calls.update_resource(org, c1.id, name="Spring sale")).name == "Spring sale"
    assert _status(calls.update_resource(org, c2.id, name="Not mine"), member) == 404
    assert _status(calls.delete_resource(org, c1.id), member) == 403
    assert _status(calls.create_resource(org, "checkout", "New"), member) == 403


def test_a_checkout_maintainer_cannot_rename_it(shop):
    """Maintainer: "Access to maintain all checkout data" — not its settings."""
    _, owner, c1, _, join = shop
    maintainer, _ = join("maintainer@example.com", "member", {c1.id: "maintainer"})
    assert _status(calls.update_resource(owner.org_id, c1.id, name="X"), maintainer) == 403


def test_the_checkout_list_comes_in_pages_and_leaves_out_a_removed_row(shop):
    _, owner, c1, _, join = shop
    for name in ("C3", "C4"):
        owner.client.send(calls.create_resource(owner.org_id, "checkout", name))
    admin, admin_id = join("admin@example.com", "admin")
    owner.client.send(calls.set_member_access(owner.org_id, admin_id, {c1.id: None}))
    names, cursor = [], None
    while True:
        page = admin.send(calls.list_resources(owner.org_id, cursor=cursor, limit=1))
        names += [r.name for r in page.items]
        if (cursor := page.next_cursor) is None:
            break
    assert names == ["C2", "C3", "C4"]
    assert _status(calls.list_resources(owner.org_id, cursor="made-up"), admin) == 422
