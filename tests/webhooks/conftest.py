"""A Tenantry with fast webhook retries that may deliver to loopback (the test receivers)."""

from __future__ import annotations

import pytest

from tenantry.core import Tenantry
from tenantry.mail.transports import MailboxTransport
from tenantry.webhooks.config import WebhookConfig
from tests.factories import make_org, make_user


@pytest.fixture
def hooks(database, tmp_path):
    """``hooks(**config)``: a Tenantry whose webhook settings are ``config``."""
    made = []

    def make(**config):
        settings = {"allow_private": True, "retry_base_seconds": 0.01, **config}
        t = Tenantry(
            database,
            "distribu",
            mail=MailboxTransport(tmp_path / "mail"),
            webhooks=WebhookConfig(**settings),
        )
        made.append(t)
        return t

    yield make
    for t in made:
        t.close()


@pytest.fixture
def t(hooks):
    return hooks()


@pytest.fixture
def team(t):
    """Olive owns Olive Co; Adam is an ADMIN (may configure webhooks), Mia a MEMBER."""
    from tests.factories import add_member

    olive = make_user(t, "olive@example.com", name="Olive")
    adam = make_user(t, "adam@example.com", name="Adam")
    mia = make_user(t, "mia@example.com", name="Mia")
    org = make_org(t, olive, "Olive Co", seat_cap=50)
    add_member(t, org, adam, ["admin"], by=olive)
    add_member(t, org, mia, ["member"], by=olive)
    return org, olive, adam, mia
