from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tenantry.accounts.passwords import hash_password
from tenantry.accounts.service import user_by_email
from tenantry.cli.main import app
from tenantry.core import Tenantry


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Capture uvicorn.run instead of serving."""
    calls: list[dict[str, Any]] = []

    def fake_run(asgi_app: Any, **kwargs: Any) -> None:
        calls.append({"app": asgi_app, **kwargs})

    monkeypatch.setattr("tenantry.cli.serve.uvicorn.run", fake_run)
    return calls


def test_serve_demo_migrates_a_new_database_folder_seeds_once_and_prints_credentials_each_start(
    tmp_path: Path, served
):
    url = f"sqlite:///{tmp_path / 'data' / 'tenantry.db'}"
    args = [
        "--database-url",
        url,
        "--policy",
        "verkkokurssikassa",
        "serve",
        "--demo",
        "--port",
        "8123",
    ]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "owner@demo.test  demo-password-owner" in first.stdout
    assert "http://127.0.0.1:8123/" in first.stdout
    assert served[0]["host"] == "127.0.0.1" and served[0]["port"] == 8123
    assert served[0]["app"].state.tenantry.policy.name == "verkkokurssikassa"

    second = CliRunner().invoke(app, args)
    assert second.exit_code == 0, second.output
    assert "demo accounts of this database" in second.stdout
    assert "owner@demo.test  demo-password-owner" in second.stdout
    assert first.stdout.count("@demo.test") == second.stdout.count("@demo.test")
    with sqlite3.connect(tmp_path / "data" / "tenantry.db") as db:
        seeded = db.execute("SELECT count(*) FROM users").fetchone()[0]
    assert seeded == first.stdout.count("@demo.test")  # the second start seeded nothing


def test_serve_demo_does_not_print_a_demo_password_someone_changed(tmp_path: Path, served):
    url = f"sqlite:///{tmp_path / 'tenantry.db'}"
    args = ["--database-url", url, "serve", "--demo"]
    assert CliRunner().invoke(app, args).exit_code == 0
    t = Tenantry(url, "distribu")
    try:
        with t.db.transaction() as s:
            user_by_email(s, "owner@demo.test").password_hash = hash_password("mine now, thanks")
    finally:
        t.close()
    again = CliRunner().invoke(app, args)
    assert again.exit_code == 0, again.output
    assert "owner@demo.test  (password changed since the demo was seeded)" in again.stdout
    assert "demo-password-owner" not in again.stdout


def test_db_upgrade_creates_the_sqlite_folder(tmp_path: Path):
    path = tmp_path / "deep" / "er" / "t.db"
    result = CliRunner().invoke(app, ["--database-url", f"sqlite:///{path}", "db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert path.is_file()
    listed = CliRunner().invoke(app, ["--database-url", f"sqlite:///{path}", "org", "list"])
    assert listed.stdout == "no organizations\n"


def test_serve_with_workers_migrates_once_and_hands_each_worker_the_settings_by_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    seen: list[dict[str, Any]] = []

    def fake_run(asgi_app: Any, **kwargs: Any) -> None:
        env = {k: v for k, v in os.environ.items() if k.startswith("TENANTRY_")}
        seen.append({"app": asgi_app, "env": env, **kwargs})

    monkeypatch.setattr("tenantry.cli.serve.uvicorn.run", fake_run)
    monkeypatch.delenv("TENANTRY_SECRET_KEY", raising=False)
    url = f"sqlite:///{tmp_path / 'tenantry.db'}"
    args = ["--database-url", url, "--policy", "dystr", "serve", "--workers", "3", "--demo"]
    result = CliRunner().invoke(app, [*args, "--port", "8124"])
    assert result.exit_code == 0, result.output
    assert "3 worker processes" in result.stdout and "owner@demo.test" in result.stdout
    (run,) = seen
    assert run["app"] == "tenantry.api.app:app_from_environment"
    assert run["factory"] is True and run["workers"] == 3 and run["port"] == 8124
    assert run["env"]["TENANTRY_DATABASE_URL"] == url
    assert run["env"]["TENANTRY_POLICY"] == "dystr"
    assert run["env"]["TENANTRY_PORT"] == "8124"
    assert os.environ.get("TENANTRY_DATABASE_URL") != url  # put back once the workers end
    # the parent migrated (and seeded) before any worker started
    with sqlite3.connect(tmp_path / "tenantry.db") as conn:
        assert conn.execute("SELECT count(*) FROM alembic_version").fetchone() == (1,)


def test_workers_over_postgresql_share_one_secret_key_when_none_is_set(
    monkeypatch: pytest.MonkeyPatch,
):
    keys: list[str | None] = []

    def fake_run(asgi_app: Any, **kwargs: Any) -> None:
        keys.append(os.environ.get("TENANTRY_SECRET_KEY"))

    monkeypatch.setattr("tenantry.cli.serve.uvicorn.run", fake_run)
    monkeypatch.setattr("tenantry.cli.serve.upgrade", lambda url: None)
    monkeypatch.setattr("tenantry.cli.serve.Tenantry.from_settings", lambda *a, **k: _Closable())
    monkeypatch.setattr("tenantry.cli.serve.served_at.record", lambda session, url: None)
    monkeypatch.delenv("TENANTRY_SECRET_KEY", raising=False)
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    result = CliRunner().invoke(app, ["--database-url", url, "serve", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert keys[0] and len(keys[0]) > 40
    assert "TENANTRY_SECRET_KEY is not set" in result.stderr
    assert "TENANTRY_SECRET_KEY" not in os.environ


class _Closable:
    """A Tenantry stand-in with no database behind it (serve records where it serves)."""

    class policy:
        name = "distribu"

    class db:
        @staticmethod
        @contextlib.contextmanager
        def transaction() -> Iterator[None]:
            yield None

    def close(self) -> None:
        pass
