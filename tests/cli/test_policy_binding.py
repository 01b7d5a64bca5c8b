"""``tenantry serve`` (and every operator command) refuses a database that belongs to another
policy: one ``error:`` line naming the mismatch, exit 2, no traceback, nothing served."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tenantry.cli.main import app
from tests.cli._runner import assert_one_error_line
from tests.factories import make_org, make_user


@pytest.fixture
def served(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(
        "tenantry.cli.serve.uvicorn.run", lambda asgi, **kw: calls.append({"app": asgi, **kw})
    )
    return calls


def serve(db_url: str, policy: str) -> Any:
    return CliRunner().invoke(
        app, ["--database-url", db_url, "--policy", policy, "serve", "--port", "8123"]
    )


def test_serve_refuses_a_database_set_up_for_another_policy(db_url, served):
    first = serve(db_url, "distribu")
    assert first.exit_code == 0, first.output
    assert len(served) == 1
    other = serve(db_url, "dystr")
    assert_one_error_line(
        other,
        "This database was set up for policy 'distribu'; TENANTRY_POLICY is 'dystr'. "
        "Use TENANTRY_POLICY=distribu, or a new database.",
    )
    assert len(served) == 1  # nothing was served the second time


def test_serve_judges_an_unrecorded_database_by_its_rows(db_url, served, tenantry_on):
    t = tenantry_on("distribu")  # rows written before the record existed
    make_org(t, make_user(t))
    refused = serve(db_url, "dystr")
    assert_one_error_line(refused, "policy 'dystr'", "roles 'owner'", "kinds 'company'")
    assert served == []
    assert serve(db_url, "distribu").exit_code == 0
    assert len(served) == 1


def test_operator_commands_refuse_another_policy_too(cli, db_url, served):
    assert serve(db_url, "distribu").exit_code == 0
    assert_one_error_line(cli("dystr")("org", "list"), "set up for policy 'distribu'")
    assert cli("distribu")("org", "list").exit_code == 0


def test_a_real_serve_process_exits_with_the_one_line(db_url, served):
    assert serve(db_url, "distribu").exit_code == 0
    command = [str(Path(sys.executable).parent / "tenantry"), "serve", "--port", "1"]
    env = {**os.environ, "TENANTRY_DATABASE_URL": db_url, "TENANTRY_POLICY": "dystr"}
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "error: This database was set up for policy 'distribu'; TENANTRY_POLICY is 'dystr'. "
        "Use TENANTRY_POLICY=distribu, or a new database."
    ]
