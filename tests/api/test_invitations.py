"""Invitations end to end over HTTP: Distribu's three accept paths, token failures, cancel,
resend, seats with pending invitations, mail delivery and its failure."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select, text

from tenantry import clock, tokens
from tenantry.audit.models import AuditEvent
from tenantry.client import ApiError, calls
from tenantry.invitations.models import Invitation
from tenantry.mail.transports import MailError, messages_in, text_of
from tenantry.members.models import Membership
from tenantry.orgs.models import Organization
from tenantry.writes import Actor
from tests.api.conftest import PASSWORD
from tests.factories import add_member, make_user


@pytest.fixture
def now():
    """A movable clock: ``now.set(dt)`` / ``now.advance(td)``."""

    class Clock:
        value = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

        def set(self, value):
            self.value = value

        def advance(self, delta):
            self.value += delta

    c = Clock()
    clock.set_clock(lambda: c.value)
    yield c
    clock.set_clock(None)


def _link_token(api, email):
    """The token from the last mail delivered to ``email`` (the development mailbox)."""
    folder = api.t.mail.folder
    bodies = [
        text_of(m) for m in messages_in(folder) if m["To"] == email and "/invite/" in text_of(m)
    ]
    assert bodies, f"no invitation mail to {email}"
    link = next(word for word in bodies[-1].split() if "/invite/" in word)
    return link.rsplit("/", 1)[-1]


def _seat_cap(api, org_id, cap):
    with api.t.db.transaction() as s:
        s.get_one(Organization, org_id).seat_cap = cap


def _org(api, org_id):
    with api.t.db.sessions() as s:
        return s.get_one(Organization, org_id)


def test_invite_many_reports_per_address(api_for):
    api = api_for("distribu")
    owner = api.sign_up("owner@example.com")
    member = make_user(api.t, "member@example.com")
    add_member(api.t, _org(api, owner.org_id), member, ["member"])
    owner.client.send(calls.invite(owner.org_id, ["pending@example.com"], roles=["member"]))
    out = owner.client.send(
        calls.invite(
            owner.org_id,
            ["new@example.com", "MEMBER@example.com", "pending@example.com", "new@EXAMPLE.com"],
            roles=["admin"],
        )
    )
    assert [(r.email, r.status) for r in out.results] == [
        ("new@example.com", "invited"),
        ("member@example.com", "ALREADY_MEMBER"),
        ("pending@example.com", "ALREADY_INVITED"),
        ("new@example.com", "INVALID"),
    ]
    assert out.results[0].invitation.roles == ["admin"]
    assert out.results[3].message == "new@example.com is listed twice."


def test_a_malformed_address_refuses_the_call_naming_which_one(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    response = owner.client.http.post(
        f"/v1/orgs/{owner.org_id}/invitations",
        json={"emails": ["ok@example.com", "not-an-email"], "roles": ["member"]},
        headers={"Authorization": f"Bearer {owner.client.token}"},
    )
    assert response.status_code == 422
    assert response.json()["error"]["message"].startswith("body.emails.1:")
    assert owner.client.send(calls.pending_invitations(owner.org_id)).items == []


def test_inviting_an_existing_member_alone_is_a_409(api_for):
    api = api_for("distribu")
    owner = api.sign_up("owner@example.com")
    with pytest.raises(ApiError) as caught:
        owner.client.send(calls.invite(owner.org_id, ["owner@example.com"], roles=["member"]))
    assert (caught.value.status, caught.value.code) == (409, "ALREADY_MEMBER")


def test_new_person_signs_up_with_the_invited_email_and_joins_with_the_role(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    owner.client.send(calls.invite(owner.org_id, ["Newbie@Example.com"], roles=["admin"]))
    token = _link_token(api, "newbie@example.com")
    preview = api.anonymous.send(calls.invitation(token))
    assert (preview.email, preview.roles, preview.account_exists) == (
        "newbie@example.com",
        ["admin"],
        False,
    )
    signed = api.anonymous.send(calls.sign_up_with_invitation(token, "Newbie", PASSWORD))
    assert signed.user.email == "newbie@example.com"
    newbie = api.anonymous.as_token(signed.token)
    assert newbie.send(calls.get_org(owner.org_id)).my_roles == ["admin"]


def test_existing_account_with_the_same_email_accepts_in_one_call(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    bob = api.sign_up("bob@example.com")
    owner.client.send(calls.invite(owner.org_id, ["bob@example.com"], roles=["member"]))
    accepted = bob.client.send(calls.accept_invitation(_link_token(api, "bob@example.com")))
    assert (accepted.org_id, accepted.roles) == (owner.org_id, ["member"])
    emails = [m.email for m in owner.client.send(calls.list_members(owner.org_id)).items]
    assert "bob@example.com" in emails


def test_signed_in_as_a_different_email_is_refused_as_wrong_account(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    carol = api.sign_up("carol@example.com")
    owner.client.send(calls.invite(owner.org_id, ["alice@example.com"], roles=["member"]))
    token = _link_token(api, "alice@example.com")
    with pytest.raises(ApiError) as caught:
        carol.client.send(calls.accept_invitation(token))
    assert (caught.value.status, caught.value.code) == (403, "INVITE_EMAIL_MISMATCH")
    assert "Wrong account" in caught.value.message
    assert [i.email for i in owner.client.send(calls.pending_invitations(owner.org_id)).items] == [
        "alice@example.com"
    ]
    assert carol.org_id not in {
        m.user_id for m in owner.client.send(calls.list_members(owner.org_id)).items
    }


@pytest.mark.parametrize(
    "variant", ["ALICE@example.com", " alice@EXAMPLE.com ", "alice@example.com."]
)
def test_the_invited_email_matches_under_normalisation_only(api_for, variant):
    api = api_for("distribu")
    owner = api.sign_up()
    owner.client.send(calls.invite(owner.org_id, [variant], roles=["member"]))
    alice = api.sign_up("alice@example.com")
    alice.client.send(calls.accept_invitation(_link_token(api, "alice@example.com")))


@pytest.mark.parametrize(
    "other", ["alice+tag@example.com", "alíce@example.com", "alice@example.co"]
)
def test_lookalike_addresses_are_a_wrong_account(api_for, other):
    api = api_for("distribu")
    owner = api.sign_up()
    owner.client.send(calls.invite(owner.org_id, ["alice@example.com"], roles=["member"]))
    token = _link_token(api, "alice@example.com")
    try:
        impostor = api.sign_up(other)
    except ValidationError:
        return  # not even an address the API accepts
    with pytest.raises(ApiError) as caught:
        impostor.client.send(calls.accept_invitation(token))
    assert caught.value.code == "INVITE_EMAIL_MISMATCH"


def test_accepting_the_same_link_twice_is_gone(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    bob = api.sign_up("bob@example.com")
    owner.client.send(calls.invite(owner.org_id, ["bob@example.com"], roles=["member"]))
    token = _link_token(api, "bob@example.com")
    bob.client.send(calls.accept_invitation(token))
    with pytest.raises(ApiError) as caught:
        bob.client.send(calls.accept_invitation(token))
    assert (caught.value.status, caught.value.code) == (410, "INVITE_USED")
    with api.t.db.sessions() as s:
        memberships = s.scalars(select(Membership).where(Membership.org_id == owner.org_id)).all()
        accepted = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "invitation.accepted")
        ).all()
    assert len(memberships) == 2 and len(accepted) == 1


def test_invitation_expires_after_exactly_seven_days(api_for, now):
    api = api_for("distribu")
    owner = api.sign_up()
    owner.client.send(
        calls.invite(owner.org_id, ["a@example.com", "b@example.com"], roles=["member"])
    )
    now.advance(timedelta(days=7) - timedelta(seconds=1))
    a, b = api.sign_up("a@example.com"), api.sign_up("b@example.com")
    a.client.send(calls.accept_invitation(_link_token(api, "a@example.com")))
    now.advance(timedelta(seconds=1))
    with pytest.raises(ApiError) as caught:
        b.client.send(calls.accept_invitation(_link_token(api, "b@example.com")))
    assert (caught.value.status, caught.value.code) == (410, "INVITE_EXPIRED")


def test_cancelled_invitation_link_stops_working_at_once(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    out = owner.client.send(calls.invite(owner.org_id, ["bob@example.com"], roles=["member"]))
    bob = api.sign_up("bob@example.com")
    owner.client.send(calls.cancel_invitation(owner.org_id, out.results[0].invitation.id))
    with pytest.raises(ApiError) as caught:
        bob.client.send(calls.accept_invitation(_link_token(api, "bob@example.com")))
    assert (caught.value.status, caught.value.code) == (410, "INVITE_REVOKED")
    assert owner.client.send(calls.pending_invitations(owner.org_id)).items == []


def test_resend_issues_a_new_link_and_the_old_one_dies(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    out = owner.client.send(calls.invite(owner.org_id, ["bob@example.com"], roles=["member"]))
    old = _link_token(api, "bob@example.com")
    owner.client.send(calls.resend_invitation(owner.org_id, out.results[0].invitation.id))
    new = _link_token(api, "bob@example.com")
    assert new != old
    bob = api.sign_up("bob@example.com")
    with pytest.raises(ApiError) as caught:
        bob.client.send(calls.accept_invitation(old))
    assert caught.value.code == "INVITE_NOT_FOUND"
    bob.client.send(calls.accept_invitation(new))


def test_pending_invitations_count_toward_the_seat_cap(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    _seat_cap(api, owner.org_id, 3)
    out = owner.client.send(
        calls.invite(owner.org_id, ["a@example.com", "b@example.com"], roles=["member"])
    )
    with pytest.raises(ApiError) as caught:
        owner.client.send(calls.invite(owner.org_id, ["c@example.com"], roles=["member"]))
    assert (caught.value.status, caught.value.code) == (409, "SEAT_LIMIT")
    assert "3 seats and 3 are taken" in caught.value.message
    # accepting an invitation that already holds a seat works at the limit
    a = api.sign_up("a@example.com")
    a.client.send(calls.accept_invitation(_link_token(api, "a@example.com")))
    # cancelling frees a seat
    owner.client.send(calls.cancel_invitation(owner.org_id, out.results[1].invitation.id))
    owner.client.send(calls.invite(owner.org_id, ["c@example.com"], roles=["member"]))


def test_an_expired_invitation_frees_its_seat(api_for, now):
    api = api_for("distribu")
    owner = api.sign_up()
    _seat_cap(api, owner.org_id, 2)
    owner.client.send(calls.invite(owner.org_id, ["a@example.com"], roles=["member"]))
    with pytest.raises(ApiError):
        owner.client.send(calls.invite(owner.org_id, ["b@example.com"], roles=["member"]))
    now.advance(timedelta(days=7))
    signed = api.anonymous.send(calls.sign_in(owner.email, PASSWORD))  # the old session idled out
    api.anonymous.as_token(signed.token).send(
        calls.invite(owner.org_id, ["b@example.com"], roles=["member"])
    )


def test_when_mail_fails_the_inviter_sees_the_link(api_for):
    class Broken:
        def send(self, message):
            raise MailError("connection refused")

    api = api_for("distribu", mail=Broken())
    owner = api.sign_up()
    out = owner.client.send(calls.invite(owner.org_id, ["bob@example.com"], roles=["member"]))
    invitation = out.results[0].invitation
    assert invitation.delivery_status == "failed"
    assert invitation.url and "/invite/tni_" in invitation.url
    pending = owner.client.send(calls.pending_invitations(owner.org_id)).items
    assert pending[0].url == invitation.url
    bob = api.sign_up("bob@example.com")
    bob.client.send(calls.accept_invitation(invitation.url.rsplit("/", 1)[-1]))


def test_delivered_invitation_hides_the_link(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    out = owner.client.send(calls.invite(owner.org_id, ["bob@example.com"], roles=["member"]))
    assert out.results[0].invitation.delivery_status == "sent"
    assert out.results[0].invitation.url is None


def test_the_raw_token_is_stored_nowhere_in_the_database(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    owner.client.send(calls.invite(owner.org_id, ["bob@example.com"], roles=["member"]))
    token = _link_token(api, "bob@example.com")
    # the secret is what follows the lookup (it may itself hold "_": split at the first two)
    parsed = tokens.parse("tni", token)
    assert parsed is not None
    secret = parsed[1]
    assert len(secret) >= 40
    with api.t.db.sessions() as s:
        for table in ("invitations", "outbox_messages", "audit_events"):
            for row in s.execute(text(f"SELECT * FROM {table}")):
                assert secret not in " ".join(str(v) for v in row), table


def test_invite_cannot_offer_more_than_the_inviter_holds(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    with pytest.raises(ApiError) as caught:
        owner.client.send(calls.invite(owner.org_id, ["x@example.com"], roles=["owner"]))
    assert (caught.value.status, caught.value.code) == (403, "ROLE_NOT_ASSIGNABLE")


def test_members_cannot_invite(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    member = make_user(api.t, "m@example.com", password=PASSWORD)
    add_member(api.t, _org(api, owner.org_id), member, ["member"])
    client = api.anonymous.as_token(
        api.anonymous.send(calls.sign_in("m@example.com", PASSWORD)).token
    )
    with pytest.raises(ApiError) as caught:
        client.send(calls.invite(owner.org_id, ["x@example.com"], roles=["member"]))
    assert caught.value.status == 403


def test_acceptance_rechecks_the_inviter_still_holds_the_grant(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    admin = make_user(api.t, "admin@example.com", password=PASSWORD)
    add_member(api.t, _org(api, owner.org_id), admin, ["admin"])
    admin_client = api.anonymous.as_token(
        api.anonymous.send(calls.sign_in("admin@example.com", PASSWORD)).token
    )
    admin_client.send(calls.invite(owner.org_id, ["x@example.com"], roles=["admin"]))
    owner.client.send(calls.update_member(owner.org_id, admin.id, roles=["member"]))
    x = api.sign_up("x@example.com")
    with pytest.raises(ApiError) as caught:
        x.client.send(calls.accept_invitation(_link_token(api, "x@example.com")))
    assert (caught.value.status, caught.value.code) == (403, "INVITER_LACKS_GRANT")


def test_checkout_access_is_granted_to_everyone_invited(api_for):
    api = api_for("verkkokurssikassa")
    owner = api.sign_up()
    checkout = owner.client.send(calls.create_resource(owner.org_id, "checkout", "Spring"))
    owner.client.send(
        calls.invite(
            owner.org_id,
            ["a@example.com", "b@example.com"],
            roles=["member"],
            resource_grants={checkout.id: "customer_service"},
        )
    )
    for email in ("a@example.com", "b@example.com"):
        person = api.sign_up(email)
        person.client.send(calls.accept_invitation(_link_token(api, email)))
        assert api.t.authz.check(person.id, "checkout.orders.manage", owner.org_id, checkout.id)
        assert not api.t.authz.check(person.id, "checkout.view", owner.org_id, checkout.id)


def test_a_restart_between_invite_and_accept_loses_nothing(api_for, database, tmp_path):
    from tenantry.core import Tenantry
    from tenantry.mail.transports import MailboxTransport

    api = api_for("distribu")
    owner = api.sign_up()
    owner.client.send(calls.invite(owner.org_id, ["bob@example.com"], roles=["member"]))
    token = _link_token(api, "bob@example.com")
    api.t.close()
    restarted = Tenantry(database.url, "distribu", mail=MailboxTransport(tmp_path / "mailbox"))
    try:
        bob = restarted_user = None
        with restarted.db.transaction() as s:
            from tenantry.accounts.service import create_user
            from tenantry.invitations import acceptance

            restarted_user = create_user(s, email="bob@example.com", name="Bob", password=PASSWORD)
            bob = acceptance.accept(s, restarted.authz, token=token, user=restarted_user)
        assert bob.status == "accepted"
        assert restarted.authz.check(restarted_user.id, "org.data.view", owner.org_id)
    finally:
        restarted.close()


def test_every_invitation_step_is_audited(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    out = owner.client.send(
        calls.invite(owner.org_id, ["a@example.com", "b@example.com"], roles=["member"])
    )
    owner.client.send(calls.resend_invitation(owner.org_id, out.results[0].invitation.id))
    owner.client.send(calls.cancel_invitation(owner.org_id, out.results[1].invitation.id))
    a = api.sign_up("a@example.com")
    a.client.send(calls.accept_invitation(_link_token(api, "a@example.com")))
    actions = [e.action for e in owner.client.send(calls.audit_events(owner.org_id)).items]
    for action in (
        "invitation.sent",
        "invitation.resent",
        "invitation.cancelled",
        "invitation.accepted",
        "member.added",
    ):
        assert action in actions


def test_concurrent_invitations_for_the_last_seat_exactly_one_wins(api_for):
    from tenantry.invitations import service as invitations

    api = api_for("distribu")
    owner = api.sign_up()
    _seat_cap(api, owner.org_id, 2)
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def attempt(i):
        barrier.wait()
        try:
            with api.t.db.transaction() as s:
                invitations.invite(
                    s,
                    api.t.authz,
                    api.t.invites,
                    actor=Actor(owner.id, owner.email),
                    org_id=owner.org_id,
                    emails=[f"racer{i}@example.com"],
                    roles=["member"],
                )
            outcomes.append("ok")
        except Exception as exc:
            outcomes.append(getattr(exc, "code", repr(exc)))

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(outcomes) == ["SEAT_LIMIT"] * 7 + ["ok"]
    with api.t.db.sessions() as s:
        assert len(s.scalars(select(Invitation)).all()) == 1


def test_cancelling_twice_changes_nothing_and_an_accepted_invite_is_a_409(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    out = owner.client.send(
        calls.invite(owner.org_id, ["a@example.com", "b@example.com"], roles=["member"])
    )
    first, second = (r.invitation.id for r in out.results)
    owner.client.send(calls.cancel_invitation(owner.org_id, first))
    owner.client.send(calls.cancel_invitation(owner.org_id, first))
    b = api.sign_up("b@example.com")
    b.client.send(calls.accept_invitation(_link_token(api, "b@example.com")))
    with pytest.raises(ApiError) as caught:
        owner.client.send(calls.cancel_invitation(owner.org_id, second))
    assert (caught.value.status, caught.value.code) == (409, "INVITE_NOT_PENDING")
    with pytest.raises(ApiError) as caught:
        owner.client.send(calls.resend_invitation(owner.org_id, first))
    assert (caught.value.status, caught.value.code) == (409, "INVITE_NOT_PENDING")


def test_the_pending_list_comes_in_pages_newest_first(api_for):
    api = api_for("distribu")
    owner = api.sign_up()
    for email in ["a@example.com", "b@example.com", "c@example.com"]:
        owner.client.send(calls.invite(owner.org_id, [email], roles=["member"]))
    first = owner.client.send(calls.pending_invitations(owner.org_id, limit=2))
    assert [i.email for i in first.items] == ["c@example.com", "b@example.com"]
    assert first.items[0].invited_by == owner.email
    rest = owner.client.send(
        calls.pending_invitations(owner.org_id, cursor=first.next_cursor, limit=2)
    )
    assert [i.email for i in rest.items] == ["a@example.com"] and rest.next_cursor is None
    with pytest.raises(ApiError) as caught:
        owner.client.send(calls.pending_invitations(owner.org_id, cursor="made-up"))
    assert caught.value.status == 422 and "cursor" in caught.value.message
