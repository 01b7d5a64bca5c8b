"""The invitation mail: both parts from the templates, the inviter named, the organization's
name escaped in the HTML part, and the link whole in the raw .eml the mailbox keeps."""

from __future__ import annotations

from email import message_from_bytes, policy

from tenantry.invitations import service as invitations
from tenantry.writes import Actor
from tests.factories import actor, make_org, make_user


def _raw_mails(t):
    folder = t.mail.folder
    return [path.read_bytes() for path in sorted(folder.glob("*.eml"))]


def _invite(t, org, by, email, **extra):
    with t.db.transaction() as s:
        results = invitations.invite(
            s,
            t.authz,
            t.invites,
            actor=by,
            org_id=org.id,
            emails=[email],
            roles=["member"],
            **extra,
        )
    t.deliver_mail(only=[r.message_id for r in results if r.message_id])
    return results


def test_the_invitation_mail_has_a_text_and_an_html_part_naming_the_inviter(tenantry_for):
    t = tenantry_for("distribu")
    olive = make_user(t, "olive@example.com", name="Olive Smith")
    org = make_org(t, olive, "Olive <Co> & Sons")
    _invite(t, org, actor(olive), "bob@example.com")
    (raw,) = _raw_mails(t)
    mail = message_from_bytes(raw, policy=policy.default)
    text = mail.get_body(("plain",)).get_content()
    html = mail.get_body(("html",)).get_content()
    assert text.startswith("Olive Smith (olive@example.com) invited you to join Olive <Co> & Sons.")
    assert "Olive Smith (olive@example.com) invited you to join Olive &lt;Co&gt; &amp; Sons" in html
    assert "<Co>" not in html


def test_the_link_is_whole_on_one_line_of_the_raw_message(tenantry_for):
    t = tenantry_for("distribu")
    t.invites = invitations.InviteSettings(
        base_url="https://a-rather-long-host-name.auth.example-platform.com",
        sealer=t.sealer,
    )
    olive = make_user(t, "olive@example.com", name="Olive")
    org = make_org(t, olive)
    (result,) = _invite(t, org, actor(olive), "bob@example.com")
    with t.db.sessions() as s:
        link = invitations.link_of(
            invitations.get_invitation(s, org.id, result.invitation.id), t.invites
        )
    assert len(link) > 76  # longer than a quoted-printable line
    (raw,) = _raw_mails(t)
    lines = raw.decode().splitlines()
    assert f"{link}" in lines  # the text part: the link alone on its line
    assert sum(link in line for line in lines) == 3  # and twice in the HTML part
    body = [line for line in lines if not line.startswith("--")]  # not the part boundaries
    assert not any(line.endswith("=") for line in body)  # no soft line break anywhere


def test_an_operator_invitation_names_whom_the_operator_says_or_nobody(tenantry_for):
    t = tenantry_for("distribu")
    olive = make_user(t, "olive@example.com", name="Olive")
    org = make_org(t, olive, "Olive Co")
    _invite(t, org, Actor.operator(), "bob@example.com", named_inviter="Support at Olive Co")
    _invite(t, org, Actor.operator(), "carol@example.com")
    named, unnamed = (
        message_from_bytes(raw, policy=policy.default).get_body(("plain",)).get_content()
        for raw in _raw_mails(t)
    )
    assert named.startswith("Support at Olive Co invited you to join Olive Co.")
    assert unnamed.startswith("You are invited to join Olive Co.")
    assert "operator" not in named + unnamed
