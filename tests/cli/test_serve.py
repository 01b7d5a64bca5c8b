from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tenantry.cli.main import app


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Capture uvicorn.run instead of serving."""
    calls: list[dict[str, Any]] = []

    def fake_run(asgi_app: Any, **kwargs: Any) -> None:
        calls.append({"app": asgi_app, **kwargs})

    monkeypatch.setattr("tenantry.cli.serve.uvicorn.run", fake_run)
    return calls


def test_serve_demo_migrates_a_new_database_folder_seeds_once_and_prints_credentials(
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
    assert "owner@demo.test  demo-password-1" in first.stdout
    assert "http://127.0.0.1:8123/" in first.stdout
    assert served[0]["host"] == "127.0.0.1" and served[0]["port"] == 8123
    assert served[0]["app"].state.tenantry.policy.name == "verkkokurssikassa"

    second = CliRunner().invoke(app, args)
    assert second.exit_code == 0, second.output
    assert "already has users" in second.stdout
    assert "demo-password-1" not in second.stdout


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
    monkeypatch.delenv("TENANTRY_SECRET_KEY", raising=False)
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"
    result = CliRunner().invoke(app, ["--database-url", url, "serve", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert keys[0] and len(keys[0]) > 40
    assert "TENANTRY_SECRET_KEY is not set" in result.stderr
    assert "TENANTRY_SECRET_KEY" not in os.environ


class _Closable:
    class policy:
        name = "distribu"

    def close(self) -> None:
        pass
