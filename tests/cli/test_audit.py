"""``tenantry audit head`` prints the chain head to keep elsewhere; ``tenantry audit verify``
reports the first broken link (exit status 1), against an anchor too."""

from __future__ import annotations

from sqlalchemy import update

from tenantry.audit.models import AuditEvent
from tenantry.core import Tenantry
from tests.cli._runner import assert_one_error_line


def _tamper(db_url, org_id, seq):
    t = Tenantry(db_url, "distribu")
    try:
        with t.db.transaction() as s:
            s.execute(
                update(AuditEvent)
                .where(AuditEvent.org_id == org_id, AuditEvent.seq == seq)
                .values(ip="203.0.113.9")
            )
    finally:
        t.close()


def test_the_cli_prints_the_head_and_verifies_against_it(cli, db_url):
    run = cli("distribu")
    run.user("olive@example.com")
    org_id = run.org("Olive Co", "olive@example.com")
    head = run("audit", "head", org_id)
    assert head.exit_code == 0, head.output
    anchor = head.stdout.strip()
    assert anchor.startswith("1:") and len(anchor) == 66
    ok = run("audit", "verify", org_id, "--anchor", anchor)
    assert (ok.exit_code, ok.stdout.strip()) == (0, "intact: 1 events")
    _tamper(db_url, org_id, 1)
    broken = run("audit", "verify", org_id)
    assert broken.exit_code == 1
    assert broken.stdout.startswith("BROKEN at 1 (event ")
    assert "edited" in broken.stdout


def test_the_cli_refuses_a_malformed_anchor_and_an_unknown_organization(cli):
    run = cli("distribu")
    assert_one_error_line(run("audit", "verify", "0" * 32, "--anchor", "x"), "SEQ:HASH")
    assert_one_error_line(run("audit", "verify", "0" * 32), "No such organization")
    assert_one_error_line(run("audit", "head", "0" * 32), "No such organization")
