"""CLI tests run the real ``tenantry`` command against a fresh, migrated SQLite file."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tenantry.core import Tenantry
from tenantry.store.migrate import upgrade
from tests.cli._runner import Cli


@pytest.fixture(scope="session")
def migrated_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    template = tmp_path_factory.mktemp("cli-template") / "tenantry.db"
    upgrade(f"sqlite:///{template}")
    return template


@pytest.fixture
def db_url(migrated_file: Path, tmp_path: Path) -> str:
    path = tmp_path / "tenantry.db"
    shutil.copyfile(migrated_file, path)
    return f"sqlite:///{path}"


@pytest.fixture
def cli(db_url: str) -> Callable[[str], Cli]:
    """``cli("distribu")``: run commands with that policy against the test database."""

    def make(policy: str) -> Cli:
        return Cli(CliRunner(), db_url, policy)

    return make


@pytest.fixture
def tenantry_on(db_url: str) -> Iterator[Callable[[str], Tenantry]]:
    """A Tenantry over the CLI's database, for arranging what the CLI has no command for."""
    made: list[Tenantry] = []

    def make(policy: str) -> Tenantry:
        made.append(Tenantry(db_url, policy))
        return made[-1]

    yield make
    for t in made:
        t.close()
