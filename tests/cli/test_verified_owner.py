"""The operator gives an organization by email only to a confirmed address: an account
someone registered with another person's address must not receive it."""

from __future__ import annotations

from tests.cli._runner import assert_one_error_line


def test_an_unconfirmed_account_is_given_no_organization_by_email(cli) -> None:
    run = cli("distribu")
    created = run("user", "create", "sam@example.com", "--name", "Sam")
    assert created.exit_code == 0 and "(unconfirmed)" in created.stdout
    refused = run("org", "create", "Sam Co", "--owner", "sam@example.com")
    assert_one_error_line(refused, "sam@example.com has not confirmed its email address")


def test_the_operator_vouches_for_an_address_with_verified(cli) -> None:
    run = cli("distribu")
    created = run("user", "create", "ava@example.com", "--name", "Ava", "--verified")
    assert created.exit_code == 0 and "(unconfirmed)" not in created.stdout
    made = run("org", "create", "Ava Co", "--owner", "ava@example.com")
    assert made.exit_code == 0, made.output
