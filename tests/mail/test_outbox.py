"""A queued message goes out as plain text, or plain text with its HTML alternative, and a
link in it stays whole on one line of the raw message (no quoted-printable soft wrap)."""

from __future__ import annotations

import re
from email import message_from_bytes, policy

from tenantry.mail.outbox import compose, stored_body

LINK = "https://auth.example-platform.com/invite/tni_0123456789abcdef_" + "A1b2C3d4E5f6" * 4


def test_a_link_survives_in_the_raw_message_of_every_part():
    stored_text = f"Accept the invitation: {LINK}\n"
    html = f'<p><a href="{LINK}">{LINK}</a></p>\n'
    both = stored_body(stored_text, html)
    raw = bytes(compose(sender="a@example.com", to="b@example.com", subject="Hi", stored=both))
    assert raw.count(LINK.encode()) == 3  # text part, href and link text, each unbroken
    body_lines = [line for line in raw.splitlines() if not line.startswith(b"--")]
    assert not any(line.endswith(b"=") for line in body_lines)  # no soft line break
    mail = message_from_bytes(raw, policy=policy.default)
    assert mail.get_content_type() == "multipart/alternative"
    kinds = [part.get_content_type() for part in mail.iter_parts()]
    assert kinds == ["text/plain", "text/html"]


def test_non_ascii_text_is_sent_as_8bit_and_still_unbroken():
    text = f"Mårten kutsui sinut: {LINK}\n"
    raw = bytes(compose(sender="a@example.com", to="b@example.com", subject="Hei", stored=text))
    assert b"Content-Transfer-Encoding: 8bit" in raw
    assert LINK.encode() in raw
    assert message_from_bytes(raw, policy=policy.default).get_content() == text


def test_a_body_stored_before_html_parts_existed_is_plain_text():
    raw = bytes(
        compose(sender="a@example.com", to="b@example.com", subject="Hi", stored=f"{LINK}\n")
    )
    mail = message_from_bytes(raw, policy=policy.default)
    assert mail.get_content_type() == "text/plain"
    assert re.search(rb"Content-Transfer-Encoding: 7bit", raw)
