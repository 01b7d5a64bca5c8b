"""The service as a person meets it: a real uvicorn on loopback and a real SMTP server
(aiosmtpd). An invitation travels by SMTP and its link works."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller

from tenantry.api.app import create_app
from tenantry.client import Client, calls
from tenantry.core import Tenantry
from tenantry.mail.transports import SmtpTransport, text_of
from tenantry.settings import Settings
from tests._uvicorn import start_uvicorn
from tests.api.conftest import PASSWORD


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope.content)
        return "250 OK"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def live(database, smtp) -> Iterator[tuple[str, Inbox]]:
    inbox, smtp_port = smtp
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    t = Tenantry(database, "distribu", base_url=base, mail=SmtpTransport("127.0.0.1", smtp_port))
    stop = start_uvicorn(create_app(t, Settings.load({})), port)
    yield base, inbox
    stop()
    t.close()


def test_invitation_mailed_over_smtp_carries_a_link_that_works(live):
    base, inbox = live
    with Client(base) as anonymous:
        assert anonymous.http.get("/healthz").json()["status"] == "ok"
        anonymous.send(calls.sign_up("owner@example.com", "Olive", PASSWORD, "Olive Co"))
        signed = anonymous.send(calls.sign_in("owner@example.com", PASSWORD))
        owner = anonymous.as_token(signed.token)
        org_id = owner.send(calls.me()).organizations[0].org_id
        out = owner.send(calls.invite(org_id, ["newbie@example.com"], roles=["admin"]))
        assert out.results[0].invitation.delivery_status == "sent"
        mails = [message_from_bytes(m, policy=policy.default) for m in inbox.messages]
        invited = [m for m in mails if m["To"] == "newbie@example.com"]
        assert len(invited) == 1
        mail = invited[0]
        assert "Olive Co" in mail["Subject"]
        link = re.search(rf"{re.escape(base)}/invite/(\S+)", text_of(mail))
        assert link, text_of(mail)
        joined = anonymous.send(calls.sign_up_with_invitation(link.group(1), "Newbie", PASSWORD))
        newbie = anonymous.as_token(joined.token)
        assert newbie.send(calls.get_org(org_id)).my_roles == ["admin"]
