"""The dashboard refuses text no database can store on the page (422), as the API does."""

from __future__ import annotations

from sqlalchemy import func, select

from tenantry.apikeys.models import ApiKey


def test_nul_in_a_dashboard_path_or_form_is_refused_on_the_page(web):
    browser = web.browser()
    org_id = browser.sign_up()
    page = browser.get(f"/orgs/{org_id}%00/api-keys")
    assert page.status_code == 422
    assert "text must not contain NUL" in page.text and "<html" in page.text.lower()
    form = browser.submit(
        f"/orgs/{org_id}/api-keys", f"/orgs/{org_id}/api-keys", {"name": "CI\x00", "role": "admin"}
    )
    assert form.status_code == 422, form.text[:300]
    assert "text must not contain NUL" in form.text
    with web.t.db.sessions() as s:
        assert s.scalar(select(func.count()).select_from(ApiKey)) == 0
