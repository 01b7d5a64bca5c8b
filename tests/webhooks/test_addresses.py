"""SSRF (catalogue H1): a webhook URL naming loopback, private, link-local, metadata or
otherwise internal addresses, in any spelling, is refused with 422 at save; a URL that gets
past the save (an address changed in the database, a DNS answer that rebinds) is blocked
when dialled, and the canary listener is never connected to."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from tenantry.core import Tenantry
from tenantry.webhooks import addresses
from tenantry.webhooks import service as webhooks
from tenantry.webhooks.config import WebhookConfig
from tenantry.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import add_member, make_org, make_user
from tests.webhooks._endpoints import create as _create
from tests.webhooks._receiver import canary, receiving

PUBLIC = "93.184.216.34"
INTERNAL = [
    "http://127.0.0.1/hook",
    "http://127.1/hook",
    "http://localhost/hook",
    "http://[::1]/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.7/hook",
    "http://172.16.0.1/hook",
    "http://172.31.255.254/hook",
    "http://192.168.1.1/hook",
    "http://100.64.0.1/hook",
    "http://0.0.0.0/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://[::ffff:a9fe:a9fe]/hook",
    "http://[fd00::1]/hook",
    "http://[fe80::1]/hook",
    "http://2130706433/hook",
    "http://0177.0.0.1/hook",
    "http://0x7f000001/hook",
    "http://017700000001/hook",
    "http://224.0.0.1/hook",
    # IPv4 carried inside IPv6: NAT64 (well-known and local prefixes), SIIT, IPv4-compatible
    "http://[64:ff9b::a9fe:a9fe]/hook",
    "http://[64:ff9b::a00:1]/hook",
    "http://[64:ff9b:1::5db8:d822]/hook",
    "http://[::ffff:0:127.0.0.1]/hook",
    "http://[::127.0.0.1]/hook",
]
MALFORMED = ["ftp://example.com/x", "file:///etc/passwd", "http://user:pw@example.com/", "//x"]


def test_every_internal_spelling_is_refused():
    for url in INTERNAL:
        with pytest.raises(addresses.UnsafeUrl, match="internal address"):
            addresses.check(url, allow_private=False)


def test_a_public_address_reached_through_nat64_is_taken():
    assert addresses.check("http://[64:ff9b::5db8:d822]/hook", allow_private=False).address


def test_a_host_with_one_internal_address_among_public_ones_is_refused():
    mixed = lambda host, port: [PUBLIC, "10.1.2.3"]  # noqa: E731
    with pytest.raises(addresses.UnsafeUrl, match=r"10\.1\.2\.3"):
        addresses.check("https://mixed.example/hook", allow_private=False, resolve=mixed)


def test_only_http_urls_without_credentials_are_taken():
    for url in MALFORMED:
        with pytest.raises(addresses.UnsafeUrl):
            addresses.check(url, allow_private=True)


def test_the_setting_lets_a_loopback_receiver_in():
    found = addresses.check("http://127.0.0.1:8080/x?y=1", allow_private=True)
    assert (found.address, found.port, found.path) == ("127.0.0.1", 8080, "/x?y=1")


class Dns:
    """A resolver the test steers: the answer can change between save and delivery."""

    def __init__(self) -> None:
        self.answer = [PUBLIC]

    def __call__(self, host: str, port: int) -> list[str]:
        return (
            list(self.answer)
            if host.endswith(".example")
            else addresses.system_resolver(host, port)
        )


@pytest.fixture
def setup(database, tmp_path):
    from tenantry.mail.transports import MailboxTransport

    dns = Dns()
    config = WebhookConfig(allow_private=False, resolve=dns, retry_base_seconds=0.01)
    t = Tenantry(database, "distribu", mail=MailboxTransport(tmp_path / "mail"), webhooks=config)
    owner = make_user(t, "olive@example.com")
    org = make_org(t, owner, "Olive Co")
    yield t, dns, owner, org
    t.close()


def test_saving_an_internal_url_is_refused_and_saves_nothing(setup):
    t, _, owner, org = setup
    for url in INTERNAL:
        with pytest.raises(addresses.UnsafeUrl):
            _create(t, owner, org, url)
    with t.db.reading() as s:
        assert webhooks.list_endpoints(s, org.id) == []


def _last_delivery(t):
    from sqlalchemy import select

    with t.db.reading() as s:
        return s.scalars(
            select(WebhookDelivery).order_by(WebhookDelivery.created_at.desc())
        ).first()


def test_a_host_that_rebinds_to_loopback_after_the_save_gets_no_connection(setup):
    t, dns, owner, org = setup
    with canary() as listener:
        _create(t, owner, org, f"http://rebind.example:{listener.port}/hook")
        dns.answer = ["127.0.0.1"]  # the attacker's DNS now points at the service's host
        add_member(t, org, make_user(t), ["member"], by=owner)
        t.deliveries.run_once()
        assert listener.connections == 0
    found = _last_delivery(t)
    assert found.status == "pending" and found.attempts == 1
    assert "refused before connecting" in found.last_error and "127.0.0.1" in found.last_error


def test_an_internal_url_written_past_the_save_is_blocked_when_dialled(setup):
    t, _, owner, org = setup
    with canary() as listener:
        endpoint, _ = _create(t, owner, org, "https://hooks.example/in")
        for url in [f"http://127.0.0.1:{listener.port}/", f"http://[::1]:{listener.port}/"]:
            with t.db.transaction() as s:
                s.execute(
                    update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint.id).values(url=url)
                )
            add_member(t, org, make_user(t), ["member"], by=owner)
            t.deliveries.run_once()
            assert "refused before connecting" in _last_delivery(t).last_error
        assert listener.connections == 0


def test_a_redirect_to_an_internal_address_is_not_followed(database, tmp_path):
    config = WebhookConfig(allow_private=True, retry_base_seconds=0.01)
    t = Tenantry(database, "distribu", webhooks=config)
    try:
        owner = make_user(t)
        org = make_org(t, owner, "Redirects")
        with canary() as listener, receiving(location=f"http://127.0.0.1:{listener.port}/") as r:
            _create(t, owner, org, r.url)
            add_member(t, org, make_user(t), ["member"], by=owner)
            t.deliveries.run_once()
            # webhook.created and member.added: each answered 302, neither followed
            assert len(r.requests) == 2 and listener.connections == 0
        found = _last_delivery(t)
        assert found.last_status_code == 302 and "redirect" in found.last_error
    finally:
        t.close()


def test_the_connection_goes_to_the_checked_address_not_a_second_lookup(
    database, tmp_path, monkeypatch
):
    """DNS rebinding between the check and the connection: the system resolver answers a
    public address to the save and to the delivery's check, loopback after that; only the
    checked address is ever dialled."""
    import socket

    real = socket.getaddrinfo
    answers = iter(["93.184.216.34", "93.184.216.34"] + ["127.0.0.1"] * 50)

    def rebinding(host, port, *args, **kwargs):
        if host == "flip.example":
            return real(next(answers), port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    t = Tenantry(database, "distribu", webhooks=WebhookConfig(timeout_seconds=1))
    try:
        owner = make_user(t)
        org = make_org(t, owner, "Flip")
        with canary() as listener:
            monkeypatch.setattr(socket, "getaddrinfo", rebinding)
            _create(t, owner, org, f"http://flip.example:{listener.port}/")
            add_member(t, org, make_user(t), ["member"], by=owner)
            t.deliveries.run_once()
            monkeypatch.setattr(socket, "getaddrinfo", real)
            assert listener.connections == 0
        assert _last_delivery(t).status == "pending"  # it failed: nothing answered there
    finally:
        t.close()
