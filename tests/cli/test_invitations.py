"""``tenantry invite send``: links open the service where it runs, and the mail names who
invited (as the operator says, or nobody: never 'operator')."""

from __future__ import annotations

import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tenantry.cli.main import app


def _invite(cli, *extra: str, env: dict[str, str] | None = None) -> str:
    """Invite bob into a new Olive Co; the plain text of the mail he gets."""
    run = cli("distribu")
    extra = ("--role", "member", *extra)
    run.user("olive@example.com", "Olive")
    org = run.org("Olive Co", "olive@example.com")
    result = run.runner.invoke(
        app,
        [*("--database-url", run.database_url, "invite", "send", org, "bob@example.com"), *extra],
        env=env,
    )
    assert result.exit_code == 0, result.output
    folder = Path("var/mailbox")
    raws = sorted(folder.glob("*.eml"))
    return (
        message_from_bytes(raws[-1].read_bytes(), policy=policy.default)
        .get_body(("plain",))
        .get_content()
    )


@pytest.fixture(autouse=True)
def _own_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the development mailbox is ./var/mailbox
    for name in ("TENANTRY_BASE_URL", "TENANTRY_HOST", "TENANTRY_PORT", "TENANTRY_MAILBOX_DIR"):
        monkeypatch.delenv(name, raising=False)


def test_links_follow_the_configured_host_and_port(cli):
    text = _invite(cli, env={"TENANTRY_PORT": "8124"})
    assert re.search(r"^http://127\.0\.0\.1:8124/invite/tni_\S+$", text, re.M), text


def test_links_follow_tenantry_base_url(cli):
    text = _invite(cli, env={"TENANTRY_BASE_URL": "https://auth.example.com"})
    assert re.search(r"^https://auth\.example\.com/invite/tni_\S+$", text, re.M), text


def test_links_open_the_service_where_it_was_last_served(cli, db_url, monkeypatch):
    monkeypatch.setattr("tenantry.cli.serve.uvicorn.run", lambda *a, **k: None)
    served = CliRunner().invoke(app, ["--database-url", db_url, "serve", "--port", "9031"])
    assert served.exit_code == 0, served.output
    text = _invite(cli)
    assert re.search(r"^http://127\.0\.0\.1:9031/invite/tni_\S+$", text, re.M), text


def test_the_mail_names_whom_the_operator_says_invited(cli):
    text = _invite(cli, "--from", "Olive at Olive Co")
    assert text.startswith("Olive at Olive Co invited you to join Olive Co.")


def test_without_a_name_the_mail_says_only_that_you_are_invited(cli):
    text = _invite(cli)
    assert text.startswith("You are invited to join Olive Co.")
    assert "operator" not in text
