"""Deliveries to a loopback receiver: signed (HMAC-SHA256 over timestamp + body, verified by
the README's recipe), one event id across retries, exponential backoff until the receiver
recovers, given up after the last attempt, redelivered by hand, and an endpoint that keeps
failing disabled, audited and its managers emailed."""

from __future__ import annotations

import json
import time

from sqlalchemy import select

from tenantry.audit.models import AuditEvent
from tenantry.mail.transports import messages_in
from tenantry.webhooks import service as webhooks
from tenantry.webhooks import signing
from tenantry.webhooks.models import WebhookDelivery
from tests.factories import actor, add_member, make_user
from tests.webhooks._endpoints import create as _create
from tests.webhooks._receiver import receiving


def create(t, who, org, url, types=("member.*",)):
    return _create(t, who, org, url, types)


def drain(t, until, seconds=10.0):
    """Run delivery rounds (as the worker would) until ``until()`` holds."""
    deadline = time.monotonic() + seconds
    while not until():
        assert time.monotonic() < deadline, "deliveries did not settle"
        t.deliveries.run_once()
        time.sleep(0.02)


def deliveries(t):
    with t.db.reading() as s:
        return list(s.scalars(select(WebhookDelivery).order_by(WebhookDelivery.created_at)))


def test_a_delivery_is_signed_with_the_endpoint_secret(t, team):
    org, olive, *_ = team
    with receiving() as r:
        _, secret = create(t, olive, org, r.url)
        bob = make_user(t, "bob@example.com")
        add_member(t, org, bob, ["member"], by=olive)
        drain(t, lambda: len(r.delivered()) == 1)
    got = r.requests[0]
    assert signing.verify(secret, got.headers["tenantry-signature"], got.body)
    assert not signing.verify("whsec_other", got.headers["tenantry-signature"], got.body)
    assert not signing.verify(secret, got.headers["tenantry-signature"], got.body + b" ")
    payload = json.loads(got.body)
    assert payload["type"] == "member.added" and payload["target"]["label"] == "bob@example.com"
    assert got.headers["tenantry-webhook-id"] == payload["id"]
    assert got.headers["tenantry-event"] == "member.added"
    with t.db.reading() as s:
        event = s.get(AuditEvent, payload["id"])
    assert event.org_id == org.id and payload["revision"] == event.revision


def test_a_receiver_that_fails_three_times_gets_the_event_after_the_retries(t, team):
    org, olive, *_ = team
    with receiving(answers=[500, 503, 502]) as r:
        create(t, olive, org, r.url)
        add_member(t, org, make_user(t), ["member"], by=olive)
        drain(t, lambda: len(r.delivered()) == 1)
    assert [req.headers["x-answered"] for req in r.requests] == ["500", "503", "502", "200"]
    assert len({req.headers["tenantry-webhook-id"] for req in r.requests}) == 1
    (found,) = deliveries(t)
    assert (found.status, found.attempts, found.last_status_code) == ("delivered", 4, 200)
    assert found.last_error is None and found.last_duration_ms is not None


def test_retries_wait_longer_each_time(hooks, team):
    t = hooks(retry_base_seconds=60)
    org, olive, *_ = team
    with receiving(answers=[500, 500]) as r:
        create(t, olive, org, r.url)
        add_member(t, org, make_user(t), ["member"], by=olive)
        t.deliveries.run_once()
        first = deliveries(t)[0]
        t.deliveries.run_once()  # not due yet: nothing is sent
        assert len(r.requests) == 1
    wait = (first.next_attempt_at - first.last_attempt_at).total_seconds()
    assert 59 <= wait <= 61
    assert t.webhooks.backoff(3).total_seconds() == 240


def test_a_delivery_is_given_up_after_the_last_attempt_and_can_be_redelivered(hooks, team):
    t = hooks(max_attempts=2)
    org, olive, *_ = team
    with receiving(answers=[500, 500]) as r:
        endpoint, _ = create(t, olive, org, r.url)
        add_member(t, org, make_user(t), ["member"], by=olive)
        drain(t, lambda: deliveries(t)[0].status == "failed")
        assert len(r.requests) == 2
        with t.db.transaction() as s:
            webhooks.redeliver(
                s,
                t.authz,
                actor=actor(olive),
                org_id=org.id,
                endpoint_id=endpoint.id,
                delivery_id=deliveries(t)[0].id,
            )
        drain(t, lambda: len(r.delivered()) == 1)
    assert deliveries(t)[0].status == "delivered"


def test_an_endpoint_that_keeps_failing_is_disabled_audited_and_managers_emailed(
    hooks, team, tmp_path
):
    t = hooks(disable_after=3, max_attempts=10)
    org, olive, _, _ = team
    with receiving(answers=[500] * 10) as r:
        endpoint, _ = create(t, olive, org, r.url)
        add_member(t, org, make_user(t), ["member"], by=olive)

        def disabled():
            with t.db.reading() as s:
                return not webhooks.get_endpoint(s, org.id, endpoint.id).enabled

        drain(t, disabled)
        sent = len(r.requests)
        add_member(t, org, make_user(t), ["member"], by=olive)
        t.deliveries.run_once()
        assert len(r.requests) == sent == 3  # nothing more while disabled
    with t.db.reading() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "webhook.disabled")).one()
        found = webhooks.get_endpoint(s, org.id, endpoint.id)
    assert event.after["failures"] == 3 and "500" in found.disabled_reason
    t.deliver_mail()
    notified = {
        m["To"] for m in messages_in(tmp_path / "mail") if "Webhook disabled" in m["Subject"]
    }
    assert notified == {"olive@example.com", "adam@example.com"}  # who may configure webhooks


def test_after_a_rotation_both_secrets_sign_for_a_day(t, team):
    org, olive, *_ = team
    with receiving() as r:
        endpoint, old = create(t, olive, org, r.url)
        with t.db.transaction() as s:
            _, new = webhooks.rotate_secret(
                s, t.authz, t.sealer, actor=actor(olive), org_id=org.id, endpoint_id=endpoint.id
            )
        add_member(t, org, make_user(t), ["member"], by=olive)
        drain(t, lambda: len(r.delivered()) == 1)
    header = r.requests[0].headers["tenantry-signature"]
    assert header.count("v1=") == 2
    assert signing.verify(new, header, r.requests[0].body)
    assert signing.verify(old, header, r.requests[0].body)


def test_a_stale_signature_is_refused_by_the_recipe():
    body = b'{"id":"x"}'
    old = int(time.time()) - signing.TOLERANCE - 5
    assert not signing.verify("whsec_s", signing.header(["whsec_s"], old, body), body)
    assert signing.verify("whsec_s", signing.header(["whsec_s"], int(time.time()), body), body)
