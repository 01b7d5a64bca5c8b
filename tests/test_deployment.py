"""A database belongs to the policy it was set up with: the service records it on first start
and refuses, with one line naming the mismatch, to start on it with another."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from tenantry.core import Tenantry
from tenantry.deployment import FINGERPRINT, POLICY, SOURCE, PolicyMismatch, fingerprint
from tenantry.policy import load_policy
from tenantry.settings import Settings
from tenantry.store.meta import ServiceMeta
from tests.factories import add_member, make_org, make_user

PRESETS = Path(__file__).parents[1] / "src" / "tenantry" / "policy" / "presets"


@pytest.fixture
def start(database, tmp_path):
    """``start("dystr")``: the service's start (``Tenantry.from_settings``) on the test database."""
    started: list[Tenantry] = []

    def run(policy: str) -> Tenantry:
        settings = Settings.load(
            {
                "TENANTRY_DATABASE_URL": database.url,
                "TENANTRY_POLICY": policy,
                "TENANTRY_MAILBOX_DIR": str(tmp_path / "mailbox"),
                "TENANTRY_SECRET_KEY": "test",
            }
        )
        t = Tenantry.from_settings(settings, migrate=False)
        started.append(t)
        return t

    yield run
    for t in started:
        t.close()


def recorded(database) -> dict[str, str]:
    with database.sessions() as s:
        return {row.key: row.value for row in s.scalars(select(ServiceMeta))}


def test_the_first_start_records_the_policy(start, database):
    start("distribu")
    meta = recorded(database)
    assert meta[POLICY] == "distribu" and meta[SOURCE] == "distribu"
    assert meta[FINGERPRINT] == fingerprint(load_policy("distribu"))
    start("distribu")  # and the same policy starts again
    assert recorded(database) == meta


def test_another_policy_on_a_recorded_database_is_refused_in_one_line(start, database):
    start("distribu")
    with pytest.raises(PolicyMismatch) as refused:
        start("dystr")
    assert refused.value.message == (
        "This database was set up for policy 'distribu'; TENANTRY_POLICY is 'dystr'. "
        "Use TENANTRY_POLICY=distribu, or a new database."
    )
    assert "\n" not in refused.value.message
    assert recorded(database)[POLICY] == "distribu"


def test_a_database_from_before_the_record_is_judged_by_its_rows(start, database, tenantry_for):
    t = tenantry_for("distribu")  # as before this record existed: rows, no record
    owner, bob = make_user(t), make_user(t)
    org = make_org(t, owner)
    add_member(t, org, bob, roles=["admin"])
    assert recorded(database) == {}
    with pytest.raises(PolicyMismatch) as refused:
        start("dystr")
    message = refused.value.message
    assert "\n" not in message
    assert "policy 'dystr'" in message
    assert "roles 'admin', 'owner'" in message
    assert "organization kinds 'company'" in message
    assert recorded(database) == {}  # nothing recorded for the refused policy
    start("distribu")
    assert recorded(database)[POLICY] == "distribu"


def test_a_database_nobody_wrote_to_takes_the_policy_that_starts_first(start, database):
    start("dystr")
    assert recorded(database)[POLICY] == "dystr"


def test_a_policy_file_edited_in_place_is_judged_by_the_rows_again(
    start, database, tenantry_for, tmp_path
):
    policy_file = tmp_path / "ours.toml"
    policy_file.write_text((PRESETS / "distribu.toml").read_text())
    start(str(policy_file))
    t = tenantry_for("distribu")
    make_org(t, make_user(t))
    assert recorded(database)[SOURCE] == str(policy_file)

    # a role added: what the rows hold is still defined, so the new fingerprint is recorded
    policy_file.write_text(
        policy_file.read_text()
        + '\n[roles.auditor]\nlabel = "Auditor"\ndescription = "Reads."\npermissions = []\n'
    )
    start(str(policy_file))
    assert recorded(database)[FINGERPRINT] == fingerprint(load_policy(str(policy_file)))

    # the same name over other roles: the owner the rows hold is gone, so it is refused
    dystr = (PRESETS / "dystr.toml").read_text()
    policy_file.write_text(dystr.replace('name = "dystr"', 'name = "distribu"', 1))
    with pytest.raises(PolicyMismatch) as refused:
        start(str(policy_file))
    assert "roles 'owner'" in refused.value.message
