from __future__ import annotations

import re

from tenantry.accounts.passwords import verify_password
from tenantry.accounts.service import user_by_email
from tests.cli._runner import add_member_by_email, assert_one_error_line


def test_user_create_reads_the_password_from_stdin(cli, tenantry_on):
    run = cli("verkkokurssikassa")
    result = run(
        "user",
        "create",
        "Alice@Example.com",
        "--name",
        "Alice",
        "--password-stdin",
        input="a long enough secret\n",
    )
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"created user \w+ alice@example\.com \(unconfirmed\)\n", result.stdout)
    t = tenantry_on("verkkokurssikassa")
    with t.db.sessions() as s:
        assert verify_password(
            user_by_email(s, "alice@example.com").password_hash, "a long enough secret"
        )


def test_org_create_makes_the_owner_a_member_listed_with_their_role(cli):
    run = cli("verkkokurssikassa")
    run.user("alice@example.com", "Alice Anders")
    org_id = run.org("Acme", "alice@example.com", "--seat-cap", "5")
    result = run("member", "list", org_id)
    assert result.exit_code == 0, result.output
    header, _rule, row = result.stdout.splitlines()
    assert re.split(r"\s{2,}", header) == ["email", "name", "roles", "permissions", "last active"]
    assert re.split(r"\s{2,}", row) == ["alice@example.com", "Alice Anders", "Owner", "—", "never"]

    listed = run("org", "list")
    assert listed.exit_code == 0, listed.output
    row = next(line for line in listed.stdout.splitlines() if line.startswith(org_id))
    assert re.split(r"\s{2,}", row) == [org_id, "Acme", "organization", "—", "1", "5"]


def test_org_create_refuses_an_owner_without_an_account(cli):
    result = cli("verkkokurssikassa")("org", "create", "Acme", "--owner", "nobody@example.com")
    assert_one_error_line(result, "No account with email nobody@example.com.")


def test_member_list_shows_direct_permissions_for_a_per_permission_policy(cli, tenantry_on):
    run = cli("distancer")
    run.user("ada@example.com", "Ada")
    run.user("sam@example.com", "Sam")
    org_id = run.org("Shop", "ada@example.com")
    t = tenantry_on("distancer")
    add_member_by_email(
        t, org_id, "sam@example.com", permissions=["org.view", "provider.meetings.view"]
    )
    result = run("member", "list", org_id)
    assert result.exit_code == 0, result.output
    rows = {line.split()[0]: re.split(r"\s{2,}", line) for line in result.stdout.splitlines()[2:]}
    assert rows["ada@example.com"][2:4] == ["—", f"all ({len(t.policy.org_permissions)})"]
    assert rows["sam@example.com"][2:4] == ["—", "org.view, provider.meetings.view"]


def test_operator_transfers_the_unique_owner_role_and_the_previous_owner_becomes_admin(
    cli, tenantry_on
):
    run = cli("distribu")
    run.user("alice@example.com", "Alice")
    run.user("bob@example.com", "Bob")
    org_id = run.org("Acme", "alice@example.com")
    add_member_by_email(tenantry_on("distribu"), org_id, "bob@example.com", ["member"])

    result = run("org", "transfer-ownership", org_id, "--to", "bob@example.com")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "transferred ownership of 'Acme' to bob@example.com",
        "  alice@example.com: ADMIN",
        "  bob@example.com: OWNER",
    ]


def test_transfer_ownership_gives_the_previous_owner_the_named_role(cli, tenantry_on):
    run = cli("distribu")
    run.user("alice@example.com", "Alice")
    run.user("bob@example.com", "Bob")
    org_id = run.org("Acme", "alice@example.com")
    add_member_by_email(tenantry_on("distribu"), org_id, "bob@example.com", ["admin"])

    result = run(
        "org",
        "transfer-ownership",
        org_id,
        "--to",
        "bob@example.com",
        "--previous-owner-role",
        "member",
    )
    assert result.exit_code == 0, result.output
    listed = run("member", "list", org_id).stdout.splitlines()
    roles = {line.split()[0]: re.split(r"\s{2,}", line)[2] for line in listed[2:]}
    assert roles == {"alice@example.com": "MEMBER", "bob@example.com": "OWNER"}


def test_transfer_ownership_to_a_non_member_is_one_error_line(cli):
    run = cli("verkkokurssikassa")
    run.user("alice@example.com", "Alice")
    run.user("carol@example.com", "Carol")
    org_id = run.org("Acme", "alice@example.com")
    result = run("org", "transfer-ownership", org_id, "--to", "carol@example.com")
    assert_one_error_line(result, "The new owner must already be a member of the organization.")


def test_the_operator_sets_up_a_marketplace_distributor(cli):
    """The marketplace leaves top-level distributors to the operator (top_level = "operator"):
    `tenantry org create --kind distributor` makes one, its owner its Super admin."""
    run = cli("marketplace")
    run.user("dana@example.com", "Dana")
    org_id = run.org("Distri", "dana@example.com", "--kind", "distributor")
    result = run("member", "list", org_id)
    assert result.exit_code == 0, result.output
    assert "Super admin" in result.stdout
