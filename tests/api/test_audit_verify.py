"""``GET /v1/orgs/{org}/audit/verify`` reports the first broken link of an organization's
chain, to those who may read its audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from tenantry.audit.models import AuditEvent
from tenantry.client import ApiError, calls
from tests.api.conftest import PASSWORD
from tests.factories import add_member, make_org, make_user


def _tamper(t, org_id, seq):
    with t.db.transaction() as s:
        s.execute(
            update(AuditEvent)
            .where(AuditEvent.org_id == org_id, AuditEvent.seq == seq)
            .values(ip="203.0.113.9")
        )


def _team(api):
    """Olive owns Olive Co, where Bob is a member; each signed in over the API."""
    olive, bob = (make_user(api.t, f"{n}@example.com", password=PASSWORD) for n in ("olive", "bob"))
    org = make_org(api.t, olive, "Olive Co")
    add_member(api.t, org, bob, ["member"])
    signed = [
        api.anonymous.as_token(api.anonymous.send(calls.sign_in(u.email, PASSWORD)).token)
        for u in (olive, bob)
    ]
    return org.id, signed[0], signed[1]


def test_the_api_reports_an_intact_chain_then_the_edited_event(api_for):
    api = api_for("distribu")
    org_id, olive, _ = _team(api)
    found = olive.send(calls.verify_audit(org_id))
    assert found.intact and found.checked == found.head_seq == 2
    _tamper(api.t, org_id, 2)
    found = olive.send(calls.verify_audit(org_id))
    assert not found.intact
    assert found.broken.seq == 2 and "edited" in found.broken.problem


def test_the_api_compares_with_an_anchor_and_refuses_half_of_one(api_for):
    api = api_for("distribu")
    org_id, olive, _ = _team(api)
    head = olive.send(calls.verify_audit(org_id))
    wrong = olive.send(calls.verify_audit(org_id, anchor_seq=head.head_seq, anchor_hash="f" * 64))
    assert wrong.broken.seq == head.head_seq and "anchored" in wrong.broken.problem
    right = olive.send(
        calls.verify_audit(org_id, anchor_seq=head.head_seq, anchor_hash=head.head_hash)
    )
    assert right.intact
    with pytest.raises(ApiError) as caught:
        olive.send(calls.verify_audit(org_id, anchor_seq=1))
    assert caught.value.status == 422


def test_a_member_without_the_audit_permission_cannot_verify(api_for):
    api = api_for("distribu")
    org_id, _, bob = _team(api)
    with pytest.raises(ApiError) as caught:
        bob.send(calls.verify_audit(org_id))
    assert caught.value.status == 403
