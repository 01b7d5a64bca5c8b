"""What every command shares: the database URL and policy from the root options, and a
Tenantry built on first use (the root callback closes it when the command ends)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import typer
from sqlalchemy.engine import make_url

from tenantry import served_at
from tenantry.core import Tenantry
from tenantry.policy import Policy, load_policy
from tenantry.settings import Settings


class CliError(typer.TyperException):
    """A refusal of the CLI itself (not of a service): printed as one ``error:`` line."""

    exit_code = 2


@dataclass
class CliState:
    database_url: str
    policy_name: str
    # the environment's settings, read (and so checked) before any command runs
    settings: Settings = field(default_factory=Settings.load)
    _tenantry: Tenantry | None = field(default=None, repr=False)

    def policy(self) -> Policy:
        return load_policy(self.policy_name)

    def tenantry(self) -> Tenantry:
        """The database and policy of this run; the database must exist and be migrated."""
        if self._tenantry is None:
            path = sqlite_path(self.database_url)
            if path is not None and not path.exists():
                raise CliError(
                    f"there is no database at {path}; run 'tenantry db upgrade' "
                    "(or 'tenantry serve') first"
                )
            settings = self.settings.model_copy(
                update={"database_url": self.database_url, "policy": self.policy_name}
            )
            self._tenantry = Tenantry.from_settings(settings, migrate=False)
            if not os.environ.get("TENANTRY_BASE_URL"):
                # links open the service as it was last served (its --host and --port)
                with self._tenantry.db.sessions() as s:
                    url = served_at.last(s)
                if url:
                    invites = replace(self._tenantry.invites, base_url=url)
                    self._tenantry.invites = invites
        return self._tenantry

    def close(self) -> None:
        if self._tenantry is not None:
            self._tenantry.close()
            self._tenantry = None


def state(ctx: typer.Context) -> CliState:
    obj = ctx.find_object(CliState)
    assert obj is not None, "the root callback sets the CLI state"
    return obj


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (None for other databases and for in-memory SQLite)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite") or parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def ensure_database_folder(url: str) -> None:
    """SQLite creates the file but not its folder; make the folder, so ``./data/t.db`` works."""
    path = sqlite_path(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
