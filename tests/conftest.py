"""Test fixtures. The suite runs on SQLite by default and on PostgreSQL when
TENANTRY_TEST_DATABASE_URL names one (``make test`` runs it both ways)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

from tenantry.core import Tenantry
from tenantry.mail.transports import MailboxTransport
from tenantry.store.db import Database
from tenantry.store.migrate import upgrade
from tenantry.store.registry import metadata


def _worker_database(url: str | None) -> str | None:
    """Under pytest-xdist (``make test`` runs two workers), each worker gets a PostgreSQL
    database of its own, created empty here, before any test module reads the variable: the
    suite truncates its database between tests, so two workers must never share one."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    name = f"{make_url(url).database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    own = make_url(url).set(database=name).render_as_string(hide_password=False)
    os.environ["TENANTRY_TEST_DATABASE_URL"] = own
    return own


PG_URL = _worker_database(os.environ.get("TENANTRY_TEST_DATABASE_URL"))


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
