from __future__ import annotations

from tenantry.resources.service import create_resource
from tenantry.writes import Actor
from tests.cli._runner import add_member_by_email, assert_one_error_line


def _acme(cli, tenantry_on):
    run = cli("verkkokurssikassa")
    run.user("alice@example.com", "Alice")
    run.user("mike@example.com", "Mike")
    org_id = run.org("Acme", "alice@example.com")
    t = tenantry_on("verkkokurssikassa")
    add_member_by_email(t, org_id, "mike@example.com", ["member"])
    return run, t, org_id


def test_check_prints_allowed_with_the_reason_and_exits_0(cli, tenantry_on):
    run, _, org_id = _acme(cli, tenantry_on)
    result = run("check", "alice@example.com", "org.delete", org_id)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["allowed", "  - holds the organization role Owner"]


def test_check_prints_denied_with_the_reason_and_exits_1(cli, tenantry_on):
    run, _, org_id = _acme(cli, tenantry_on)
    result = run("check", "mike@example.com", "org.delete", org_id)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "denied",
        "  - no role, grant or rule gives Delete the organization",
    ]
    assert result.stderr == ""


def test_check_on_a_resource_explains_the_derived_role(cli, tenantry_on):
    run, t, org_id = _acme(cli, tenantry_on)
    with t.db.transaction() as s:
        checkout = create_resource(
            s, t.authz, actor=Actor.operator(), org_id=org_id, rtype="checkout", name="Spring"
        )
    allowed = run(
        "check", "alice@example.com", "checkout.settings.edit", org_id, "--resource", checkout.id
    )
    assert allowed.exit_code == 0, allowed.output
    assert allowed.stdout.splitlines() == [
        "allowed",
        "  - holds Owner, which is Admin on every Checkout",
    ]
    denied = run("check", "mike@example.com", "checkout.view", org_id, "--resource", checkout.id)
    assert denied.exit_code == 1
    assert denied.stdout.startswith("denied\n")


def test_check_of_a_resource_permission_without_the_resource_is_one_error_line(cli, tenantry_on):
    run, _, org_id = _acme(cli, tenantry_on)
    result = run("check", "alice@example.com", "checkout.view", org_id)
    assert_one_error_line(result, "checkout.view is a checkout permission: name the checkout.")


def test_check_of_an_unknown_permission_is_one_error_line(cli, tenantry_on):
    run, _, org_id = _acme(cli, tenantry_on)
    result = run("check", "alice@example.com", "org.nope", org_id)
    assert_one_error_line(result, "Unknown permission 'org.nope'")
