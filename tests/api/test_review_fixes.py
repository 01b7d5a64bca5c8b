"""Rules a review found unguarded: an API key's invitation is re-checked when accepted,
invite-only resources stay invisible through every route, the organization's own settings
are checked inside the service, and the cache never keeps a snapshot read across a change."""

from __future__ import annotations

from typing import ClassVar

import pytest
from sqlalchemy import select

from tenantry.audit.models import AuditEvent
from tenantry.authz.cache import SnapshotCache
from tenantry.client import ApiError, calls
from tenantry.errors import PermissionDenied
from tenantry.orgs import service as orgs
from tenantry.orgs.models import Organization
from tenantry.writes import Actor
from tests.api.conftest import PASSWORD
from tests.api.test_invitations import _link_token
from tests.factories import actor, add_member, make_org, make_user


def _org(api, org_id):
    with api.t.db.sessions() as s:
        return s.get_one(Organization, org_id)


def test_an_invitation_from_a_revoked_api_key_is_refused_at_acceptance(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    key = owner.client.send(calls.create_api_key(owner.org_id, "hr-sync", roles=["admin"]))
    api.anonymous.as_token(key.token).send(
        calls.invite(owner.org_id, ["x@example.com"], roles=["admin"])
    )
    owner.client.send(calls.revoke_api_key(owner.org_id, key.id))
    x = api.sign_up("x@example.com")
    with pytest.raises(ApiError) as caught:
        x.client.send(calls.accept_invitation(_link_token(api, "x@example.com")))
    assert (caught.value.status, caught.value.code) == (403, "INVITER_LACKS_GRANT")


def test_the_audit_trail_names_the_person_who_accepted(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    owner.client.send(calls.invite(owner.org_id, ["x@example.com"], roles=["member"]))
    x = api.sign_up("x@example.com")
    x.client.send(calls.accept_invitation(_link_token(api, "x@example.com")))
    with api.t.db.sessions() as s:
        added = s.scalar(select(AuditEvent).where(AuditEvent.action == "member.added"))
    assert (added.actor_id, added.actor) == (x.id, "x@example.com")


def _dystr_with_secret(api):
    admin = api.sign_up("admin@example.com")
    secret = admin.client.send(calls.create_resource(admin.org_id, "workspace", "Secret merger"))
    viewer = make_user(api.t, "viewer@example.com", password=PASSWORD)
    add_member(api.t, _org(api, admin.org_id), viewer, ["viewer"])
    client = api.anonymous.as_token(
        api.anonymous.send(calls.sign_in("viewer@example.com", PASSWORD)).token
    )
    return admin, secret, viewer, client


def test_member_access_lists_no_invite_only_resource_the_caller_cannot_open(api_for):
    api = api_for("dystr")
    admin, _, viewer, client = _dystr_with_secret(api)
    assert client.send(calls.member_access(admin.org_id, viewer.id)) == []
    assert client.send(calls.member_access(admin.org_id, admin.id)) == []
    seen = admin.client.send(calls.member_access(admin.org_id, viewer.id))
    assert [r.resource_name for r in seen] == ["Secret merger"]  # the administrator manages it


def test_a_check_about_someone_else_on_a_hidden_resource_is_404(api_for):
    api = api_for("dystr")
    admin, secret, viewer, client = _dystr_with_secret(api)
    with pytest.raises(ApiError) as caught:
        client.send(calls.check(admin.id, "workspace.view", admin.org_id, secret.id))
    assert caught.value.status == 404
    with pytest.raises(ApiError) as caught:  # about yourself too: as for a random id
        client.send(calls.check(viewer.id, "workspace.view", admin.org_id, secret.id))
    assert caught.value.status == 404


def test_updating_and_deleting_an_organization_are_checked_inside_the_service(tenantry_for):
    t = tenantry_for("distribu")
    owner, member = make_user(t), make_user(t)
    org = make_org(t, owner)
    add_member(t, org, member, ["member"])
    with pytest.raises(PermissionDenied), t.db.transaction() as s:
        orgs.update_org(s, t.authz, actor=actor(member), org_id=org.id, name="Mine now")
    with pytest.raises(PermissionDenied), t.db.transaction() as s:
        orgs.delete_org(s, t.authz, actor=actor(member), org_id=org.id)
    with t.db.transaction() as s:
        orgs.update_org(s, t.authz, actor=Actor.operator(), org_id=org.id, seat_cap=5)
    assert _org_row(t, org.id).seat_cap == 5


def _org_row(t, org_id):
    with t.db.sessions() as s:
        return s.get_one(Organization, org_id)


def test_a_snapshot_read_across_an_invalidation_is_not_kept():
    cache = SnapshotCache()

    class Snap:
        depends_on: ClassVar[dict[str, int]] = {"org": 1}

    epoch = cache.epoch
    cache.invalidate({"org"})  # a removal commits while the snapshot was being read
    cache.put(("user", "org"), Snap(), epoch=epoch, generation=0)  # type: ignore[arg-type]
    assert cache.get(("user", "org")) is None
    cache.put(("user", "org"), Snap(), epoch=cache.epoch, generation=0)  # type: ignore[arg-type]
    assert cache.get(("user", "org")) is not None
