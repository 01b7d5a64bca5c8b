"""Webhook endpoints: guarded by the policy's webhook permission, audited without their
secret, owned by the organization (they outlive their creator), event types checked."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tenantry.audit.models import AuditEvent
from tenantry.errors import Invalid, PermissionDenied
from tenantry.members import service as members
from tenantry.orgs.models import Organization
from tenantry.webhooks import service as webhooks
from tenantry.webhooks.models import WebhookDelivery
from tests.factories import actor, add_member, make_user
from tests.webhooks._endpoints import create


def test_only_members_with_the_webhook_permission_configure_webhooks(t, team):
    org, _, adam, mia = team
    endpoint, secret = create(t, adam, org)
    assert secret.startswith("whsec_")
    with pytest.raises(PermissionDenied, match="Configure webhooks"):
        create(t, mia, org)
    with pytest.raises(PermissionDenied), t.db.transaction() as s:
        webhooks.delete_endpoint(
            s, t.authz, actor=actor(mia), org_id=org.id, endpoint_id=endpoint.id
        )


def test_each_change_is_audited_and_the_secret_never_is(t, team):
    org, olive, *_ = team
    endpoint, secret = create(t, olive, org)
    with t.db.transaction() as s:
        webhooks.update_endpoint(
            s,
            t.authz,
            t.webhooks,
            actor=actor(olive),
            org_id=org.id,
            endpoint_id=endpoint.id,
            event_types=["member.*"],
        )
    with t.db.transaction() as s:
        _, rotated = webhooks.rotate_secret(
            s, t.authz, t.sealer, actor=actor(olive), org_id=org.id, endpoint_id=endpoint.id
        )
    with t.db.transaction() as s:
        webhooks.delete_endpoint(
            s, t.authz, actor=actor(olive), org_id=org.id, endpoint_id=endpoint.id
        )
    with t.db.reading() as s:
        events = list(
            s.scalars(
                select(AuditEvent)
                .where(AuditEvent.org_id == org.id, AuditEvent.action.startswith("webhook."))
                .order_by(AuditEvent.seq)
            )
        )
    assert [e.action for e in events] == [
        "webhook.created",
        "webhook.updated",
        "webhook.secret_rotated",
        "webhook.deleted",
    ]
    assert events[1].before["event_types"] == ["*"]
    assert events[1].after["event_types"] == ["member.*"]
    dumped = repr([(e.before, e.after, e.target) for e in events])
    assert secret not in dumped and rotated not in dumped


def test_an_endpoint_outlives_the_member_who_made_it(t, team):
    org, olive, adam, _ = team
    endpoint, _ = create(t, adam, org, types=["member.*"])
    with t.db.transaction() as s:
        members.remove_members(s, t.authz, actor=actor(olive), org_id=org.id, user_ids=[adam.id])
    add_member(t, org, make_user(t), ["member"], by=olive)
    with t.db.reading() as s:
        assert webhooks.get_endpoint(s, org.id, endpoint.id).enabled
        queued = list(s.scalars(select(WebhookDelivery.event_type)))
    assert queued == ["member.removed", "member.added"]


def test_only_subscribed_event_types_are_queued(t, team):
    org, olive, *_ = team
    create(t, olive, org, types=["member.added", "resource.*"])
    add_member(t, org, make_user(t), ["member"], by=olive)
    with t.db.transaction() as s:
        webhooks.create_endpoint(
            s,
            t.authz,
            t.sealer,
            t.webhooks,
            actor=actor(olive),
            org_id=org.id,
            url="http://127.0.0.1:9/other",
            event_types=["org.updated"],
        )
    with t.db.reading() as s:
        queued = sorted(s.scalars(select(WebhookDelivery.event_type)))
    assert queued == ["member.added"]


def test_unknown_event_types_are_refused_with_the_choices(t, team):
    org, olive, *_ = team
    for wrong in (["member.joined"], ["nope.*"], [], ["member.[a]"]):
        with pytest.raises(Invalid, match=r"event type|1 to 50"):
            create(t, olive, org, types=wrong)


def test_a_write_that_rolls_back_queues_no_delivery(t, team):
    org, olive, *_ = team
    create(t, olive, org)
    before = _deliveries(t)
    person = make_user(t)
    with pytest.raises(RuntimeError), t.db.transaction() as s:
        members.add_member(
            s, t.authz, actor=actor(olive), org_id=org.id, user_id=person.id, roles=["member"]
        )
        raise RuntimeError("the request fails after the write")
    assert _deliveries(t) == before


def test_the_organization_counts_its_enabled_endpoints(t, team):
    org, olive, *_ = team
    endpoint, _ = create(t, olive, org)
    assert _count(t, org) == 1
    with t.db.transaction() as s:
        webhooks.update_endpoint(
            s,
            t.authz,
            t.webhooks,
            actor=actor(olive),
            org_id=org.id,
            endpoint_id=endpoint.id,
            enabled=False,
        )
    assert _count(t, org) == 0
    add_member(t, org, make_user(t), ["member"], by=olive)
    assert _deliveries(t) == 1  # webhook.created only: a disabled endpoint gets nothing new


def _deliveries(t):
    with t.db.reading() as s:
        return len(list(s.scalars(select(WebhookDelivery.id))))


def _count(t, org):
    with t.db.reading() as s:
        return s.scalar(select(Organization.webhook_endpoints).where(Organization.id == org.id))


def test_an_endpoint_gets_only_its_own_organizations_events(t, team):
    """Catalogue H2: deliveries carry only their own organization's events."""
    from tests.factories import make_org

    org, olive, *_ = team
    eve = make_user(t, "eve@example.com")
    other = make_org(t, eve, "Eve Co", seat_cap=10)
    mine, _ = create(t, olive, org, url="http://127.0.0.1:9/mine")
    theirs, _ = create(t, eve, other, url="http://127.0.0.1:9/theirs")
    add_member(t, org, make_user(t), ["member"], by=olive)
    add_member(t, other, make_user(t), ["member"], by=eve)
    with t.db.reading() as s:
        rows = list(s.execute(select(WebhookDelivery.endpoint_id, WebhookDelivery.org_id)))
    assert {(e, o) for e, o in rows} == {(mine.id, org.id), (theirs.id, other.id)}
    assert len(rows) == 4  # each endpoint: its own webhook.created and member.added
