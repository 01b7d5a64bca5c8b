"""/docs works offline: Swagger UI comes from the service's own /static, nothing from any
other origin, and it runs under the dashboard's Content-Security-Policy."""

from __future__ import annotations

from playwright.sync_api import Browser, Route

from tests.e2e.conftest import Live, watch_csp


def test_the_api_docs_render_every_operation_with_no_other_origin(
    live: Live, chromium: Browser
) -> None:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    violations = watch_csp(context)
    elsewhere: list[str] = []

    def only_loopback(route: Route) -> None:
        if route.request.url.startswith(live.base):
            route.continue_()
        else:  # what a machine with no network would get
            elsewhere.append(route.request.url)
            route.abort()

    context.route("**/*", only_loopback)
    page = context.new_page()
    page.goto(f"{live.base}/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    assert page.locator(".opblock").count() >= 30
    assert page.get_by_text("/v1/orgs/{org_id}/members", exact=True).first.is_visible()
    assert elsewhere == []
    assert violations == []
    context.close()
