from tests.factories import add_member, make_org, make_resource, make_user


def test_owner_and_admin_are_admin_on_a_checkout_created_later(tenantry_for):
    t = tenantry_for("verkkokurssikassa")
    owner, admin = make_user(t), make_user(t)
    org = make_org(t, owner)
    add_member(t, org, admin, ["admin"])
    checkout = make_resource(t, org, "checkout", "Spring course")
    assert t.authz.check(admin.id, "checkout.settings.edit", org.id, checkout.id)
    assert t.authz.check(owner.id, "checkout.settings.edit", org.id, checkout.id)
