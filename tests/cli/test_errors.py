"""Every refusal is one `error:` line on stderr and exit status 2, never a traceback."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from tenantry.cli.main import app
from tests.cli._runner import assert_one_error_line


def test_an_unknown_organization_is_one_error_line(cli):
    assert_one_error_line(cli("distribu")("member", "list", "no-such-org"), "No such organization.")


def test_a_domain_rule_refusal_is_one_error_line(cli):
    run = cli("distribu")
    run.user("alice@example.com", "Alice")
    assert_one_error_line(
        run("user", "create", "ALICE@example.com", "--name", "Again"),
        "An account with this email already exists.",
    )


def test_an_invalid_email_is_one_error_line(cli):
    assert_one_error_line(
        cli("distribu")("user", "create", "not-an-email", "--name", "X"), "is not an email address"
    )


def test_a_short_password_on_stdin_is_one_error_line(cli):
    result = cli("distribu")(
        "user", "create", "a@example.com", "--name", "A", "--password-stdin", input="short\n"
    )
    assert_one_error_line(result, "Passwords must have at least")


def test_a_bad_option_value_is_one_error_line_pointing_at_help(cli):
    run = cli("distribu")
    result = run("org", "create", "Acme", "--owner", "a@example.com", "--seat-cap", "many")
    assert_one_error_line(result, "--seat-cap", "(see 'tenantry org create --help')")


def test_a_missing_option_is_one_error_line(cli):
    assert_one_error_line(cli("distribu")("org", "create", "Acme"), "Missing option '--owner'")


def test_an_unknown_command_is_one_error_line(cli):
    assert_one_error_line(cli("distribu")("org", "frobnicate"), "No such command 'frobnicate'")


def test_a_missing_sqlite_file_is_one_error_line_and_is_not_created(tmp_path: Path):
    path = tmp_path / "nowhere" / "t.db"
    result = CliRunner().invoke(app, ["--database-url", f"sqlite:///{path}", "org", "list"])
    assert_one_error_line(result, "there is no database at", "tenantry db upgrade")
    assert not path.parent.exists()


def test_an_unmigrated_database_is_one_error_line(tmp_path: Path):
    path = tmp_path / "empty.db"
    path.touch()
    result = CliRunner().invoke(app, ["--database-url", f"sqlite:///{path}", "org", "list"])
    assert_one_error_line(result, "the database is not migrated", "tenantry db upgrade")


def test_the_bare_command_prints_help_and_exits_0():
    result = CliRunner().invoke(app, [])
    assert result.exit_code == 0
    assert "policy" in result.stdout and "serve" in result.stdout
