"""Test fixtures. The suite runs on SQLite by default and on PostgreSQL when
TENANTRY_TEST_DATABASE_URL names one (``make test`` runs it both ways)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tenantry.core import Tenantry
from tenantry.mail.transports import MailboxTransport
from tenantry.store.db import Database
from tenantry.store.migrate import upgrade
from tenantry.store.registry import metadata

PG_URL = os.environ.get("TENANTRY_TEST_DATABASE_URL")


def pytest_report_header() -> str:
    return f"tenantry database: {'postgresql' if PG_URL else 'sqlite'}"


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated once per run: a template file for SQLite, the server for PG."""
    if PG_URL:
        db = Database(PG_URL)
        with db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.dispose()
        upgrade(PG_URL)
        yield PG_URL
    else:
        template = tmp_path_factory.mktemp("template") / "tenantry.db"
        upgrade(f"sqlite:///{template}")
        yield str(template)


@pytest.fixture
def database(migrated: str, tmp_path: Path) -> Iterator[Database]:
    """A fresh, migrated, empty database for one test."""
    if PG_URL:
        db = Database(PG_URL)
        tables = ", ".join(t.name for t in metadata.sorted_tables)
        with db.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} CASCADE"))
    else:
        path = tmp_path / "tenantry.db"
        shutil.copyfile(migrated, path)
        db = Database(f"sqlite:///{path}")
    yield db
    db.dispose()


@pytest.fixture
def tenantry_for(database: Database, tmp_path: Path) -> Iterator[Callable[[str], Tenantry]]:
    """``tenantry_for("distribu")``: a Tenantry over the test database running that preset."""
    made: list[Tenantry] = []

    def make(policy: str) -> Tenantry:
        t = Tenantry(database, policy, mail=MailboxTransport(tmp_path / "mailbox"))
        made.append(t)
        return t

    yield make
    for t in made:
        t.authz.close()
