"""The operator gives an organization by email only to a confirmed address: an account
someone registered with another person's address must not receive it."""

from __future__ import annotations

from tests.cli._runner import add_member_by_email, assert_one_error_line


def test_an_unconfirmed_account_is_given_no_organization_by_email(cli) -> None:
    run = cli("distribu")
    created = run("user", "create", "sam@example.com", "--name", "Sam")
    assert created.exit_code == 0 and "(unconfirmed)" in created.stdout
    refused = run("org", "create", "Sam Co", "--owner", "sam@example.com")
    assert_one_error_line(refused, "sam@example.com has not confirmed its email address")


def test_ownership_is_not_transferred_by_email_to_an_unconfirmed_member(cli, tenantry_on) -> None:
    run = cli("distribu")
    run.user("olive@example.com", "Olive")
    org_id = run.org("Olive Co", "olive@example.com")
    assert run("user", "create", "sam@example.com", "--name", "Sam").exit_code == 0
    add_member_by_email(tenantry_on("distribu"), org_id, "sam@example.com", ["member"])
    refused = run("org", "transfer-ownership", org_id, "--to", "sam@example.com")
    assert_one_error_line(refused, "sam@example.com has not confirmed its email address")
    listed = run("member", "list", org_id)
    owner_line = next(line for line in listed.stdout.splitlines() if "OWNER" in line)
    assert owner_line.startswith("olive@example.com")  # nothing changed


def test_the_operator_vouches_for_an_address_with_verified(cli) -> None:
    run = cli("distribu")
    created = run("user", "create", "ava@example.com", "--name", "Ava", "--verified")
    assert created.exit_code == 0 and "(unconfirmed)" not in created.stdout
    made = run("org", "create", "Ava Co", "--owner", "ava@example.com")
    assert made.exit_code == 0, made.output
