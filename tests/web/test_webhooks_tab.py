"""The dashboard's webhooks tab: for those who may configure webhooks; add one (the secret
shown once), refusals said on the page, disable, rotate, delete, redeliver from the log."""

from __future__ import annotations

import re

from sqlalchemy import select

from tenantry.accounts.service import user_by_email
from tenantry.orgs.service import get_org
from tenantry.webhooks.config import WebhookConfig
from tenantry.webhooks.models import WebhookDelivery, WebhookEndpoint
from tests.factories import add_member
from tests.web.conftest import Web

PUBLIC = WebhookConfig(allow_private=False, resolve=lambda host, port: ["93.184.216.34"])


def _owner(web: Web):
    web.t.webhooks = PUBLIC
    owner = web.browser()
    org_id = owner.sign_up("olive@example.com", name="Olive")
    return owner, org_id


def _hook_id(web: Web) -> str:
    with web.t.db.reading() as s:
        return s.scalars(select(WebhookEndpoint.id)).one()


def test_adding_a_webhook_shows_its_secret_once(web: Web) -> None:
    owner, org_id = _owner(web)
    page = owner.get(f"/orgs/{org_id}/webhooks").text
    assert "Add a webhook" in page
    r = owner.submit(
        f"/orgs/{org_id}/webhooks",
        f"/orgs/{org_id}/webhooks",
        {"url": "https://crm.example/hooks", "event_type": ["member.*"], "description": "CRM"},
    )
    secret = re.search(r"whsec_[A-Za-z0-9_-]+", r.text).group(0)  # type: ignore[union-attr]
    again = owner.get(f"/orgs/{org_id}/webhooks").text
    assert secret not in again and "https://crm.example/hooks" in again and "member.*" in again


def test_an_internal_url_is_refused_on_the_page(web: Web) -> None:
    owner, org_id = _owner(web)
    web.t.webhooks = WebhookConfig(allow_private=False)
    r = owner.submit(
        f"/orgs/{org_id}/webhooks", f"/orgs/{org_id}/webhooks", {"url": "http://10.0.0.5/x"}
    )
    assert r.status_code == 422 and "internal address" in r.text


def test_disable_rotate_redeliver_and_delete(web: Web) -> None:
    owner, org_id = _owner(web)
    tab = f"/orgs/{org_id}/webhooks"
    owner.submit(tab, tab, {"url": "https://crm.example/hooks"})
    hook = _hook_id(web)
    r = owner.submit(tab, f"{tab}/{hook}/enabled", {"enabled": "0"})
    assert "Webhook disabled." in r.text and "Enable" in r.text
    owner.submit(tab, f"{tab}/{hook}/enabled", {"enabled": "1"})
    r = owner.submit(tab, f"{tab}/{hook}/rotate")
    assert "whsec_" in r.text
    with web.t.db.reading() as s:
        delivery = s.scalars(select(WebhookDelivery.id)).first()
    r = owner.submit(tab, f"{tab}/{hook}/deliveries/{delivery}/redeliver")
    assert "Delivery queued again." in r.text
    r = owner.submit(tab, f"{tab}/{hook}/delete")
    assert (
        "Webhook deleted." in r.text
        and "https://crm.example/hooks" not in r.text.split("Add a webhook")[1]
    )


def test_a_member_without_the_permission_has_no_webhooks_tab(web: Web) -> None:
    _, org_id = _owner(web)
    member = web.browser()
    member.sign_up("mia@example.com")
    with web.t.db.reading() as s:
        user, org = user_by_email(s, "mia@example.com"), get_org(s, org_id)
    add_member(web.t, org, user, ["member"])
    assert "Webhooks" not in member.get(f"/orgs/{org_id}").text
    assert member.get(f"/orgs/{org_id}/webhooks").status_code == 403
    r = member.submit(f"/orgs/{org_id}", f"/orgs/{org_id}/webhooks", {"url": "https://x.example/"})
    assert r.status_code == 403
    with web.t.db.reading() as s:
        assert s.scalars(select(WebhookEndpoint.id)).first() is None
