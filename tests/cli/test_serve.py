from __future__ import annotations

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
