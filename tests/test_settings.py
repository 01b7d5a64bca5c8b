"""Settings come from TENANTRY_* variables through pydantic-settings; a value the service
cannot use is refused as one line naming the variable, by the library and by the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tenantry.settings import Settings, SettingsError

TENANTRY = Path(sys.executable).with_name("tenantry")


def test_the_defaults_ignore_the_process_environment(monkeypatch):
    monkeypatch.setenv("TENANTRY_PORT", "9999")
    settings = Settings.load({})
    assert (settings.host, settings.port, settings.policy) == ("127.0.0.1", 8000, "distribu")
    assert settings.base_url == "http://127.0.0.1:8000"


def test_links_follow_the_configured_host_and_port_unless_a_base_url_is_set():
    assert Settings.load({"TENANTRY_PORT": "8124"}).base_url == "http://127.0.0.1:8124"
    assert (
        Settings.load({"TENANTRY_PORT": "8124", "TENANTRY_BASE_URL": "https://id.example.com/"})
    ).base_url == "https://id.example.com"


def test_values_are_parsed_by_type():
    settings = Settings.load(
        {
            "TENANTRY_TRUSTED_PROXIES": "10.0.0.0/8, 127.0.0.1/32,",
            "TENANTRY_DEMO": "yes",
            "TENANTRY_LOG_LEVEL": "DEBUG",
            "TENANTRY_DB_POOL_TIMEOUT": "2.5",
            "TENANTRY_SECRET_KEY": "",
        }
    )
    assert settings.trusted_proxies == ("10.0.0.0/8", "127.0.0.1/32")
    assert settings.demo is True
    assert settings.log_level == "debug"
    assert settings.db_pool_timeout == 2.5
    assert settings.secret_key is None  # empty is unset


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("TENANTRY_PORT", "abc", "valid integer"),
        ("TENANTRY_PORT", "70000", "less than or equal to 65535"),
        ("TENANTRY_DB_POOL_TIMEOUT", "soon", "valid number"),
        ("TENANTRY_SECURE_COOKIES", "maybe", "valid boolean"),
        ("TENANTRY_LOG_LEVEL", "loud", "'info'"),
        ("TENANTRY_BASE_URL", "auth.example.com", "absolute http:// or https:// URL"),
        ("TENANTRY_INVITE_EXPIRY_DAYS", "0", "greater than or equal to 1"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(name, value, says):
    with pytest.raises(SettingsError) as refused:
        Settings.load({name: value})
    message = refused.value.message
    assert message.startswith(f"{name}={value!r}: ")
    assert says in message
    assert "\n" not in message


def test_every_bad_value_is_named_at_once():
    with pytest.raises(SettingsError) as refused:
        Settings.load({"TENANTRY_PORT": "abc", "TENANTRY_SMTP_PORT": "x"})
    assert "TENANTRY_PORT='abc'" in refused.value.message
    assert "TENANTRY_SMTP_PORT='x'" in refused.value.message


@pytest.mark.parametrize("command", [["org", "list"], ["serve"], ["policy", "show", "dystr"]])
def test_the_cli_refuses_a_bad_setting_in_one_line_before_anything_runs(command, tmp_path):
    env = {**os.environ, "TENANTRY_PORT": "abc"}
    env["TENANTRY_DATABASE_URL"] = f"sqlite:///{tmp_path}/t.db"
    done = subprocess.run(
        [str(TENANTRY), *command], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2, done
    assert done.stdout == ""
    assert done.stderr.splitlines() == [
        "error: TENANTRY_PORT='abc': input should be a valid integer, "
        "unable to parse string as an integer"
    ]
    assert not (tmp_path / "t.db").exists()  # nothing was created
