from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from typer.testing import CliRunner, Result

from tenantry.accounts.service import user_by_email
from tenantry.cli.main import app
from tenantry.core import Tenantry
from tenantry.members import service as members
from tenantry.writes import Actor


@dataclass
class Cli:
    runner: CliRunner
    database_url: str
    policy: str

    def __call__(self, *args: str, input: str | None = None) -> Result:
        return self.runner.invoke(
            app, ["--database-url", self.database_url, "--policy", self.policy, *args], input=input
        )

    def user(self, email: str, name: str = "Test User") -> None:
        result = self("user", "create", email, "--name", name, "--verified")
        assert result.exit_code == 0, result.output

    def org(self, name: str, owner: str, *extra: str) -> str:
        """Create an organization and return its id (from 'created organization <id> ...')."""
        result = self("org", "create", name, "--owner", owner, *extra)
        assert result.exit_code == 0, result.output
        return result.stdout.split()[2]


def assert_one_error_line(result: Result, *fragments: str) -> None:
    """Exit 2, nothing on stdout, one `error: ...` line on stderr containing the fragments."""
    assert result.exit_code == 2, (result.exit_code, result.output)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in lines[0]


def add_member_by_email(
    t: Tenantry, org_id: str, email: str, roles: Iterable[str] = (), permissions: Iterable[str] = ()
) -> None:
    """Add an existing account to an organization, as the operator (the CLI has no command)."""
    with t.db.transaction() as s:
        members.add_member(
            s,
            t.authz,
            actor=Actor.operator(),
            org_id=org_id,
            user_id=user_by_email(s, email).id,
            roles=roles,
            permissions=permissions,
        )
