"""Every page holds at a phone's width (390 px: nothing wider than the viewport) and at a
desktop's, and axe-core finds no WCAG 2.1 A/AA violation on any of them, light or dark."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import Browser

from tests.e2e._world import (
    AXE,
    DESKTOP,
    PHONE,
    axe_violations,
    signed_in,
    wider_than_viewport,
    world,
)
from tests.e2e.conftest import Live

PRESETS = ["distribu", "dystr", "verkkokurssikassa", "distancer", "marketplace"]


@pytest.mark.parametrize("policy", PRESETS)
def test_no_page_is_wider_than_a_phone_and_none_has_an_accessibility_violation(
    live_for: Callable[[str], Live], chromium: Browser, policy: str
) -> None:
    w = world(live_for(policy))
    problems: dict[str, list[str]] = {}
    for viewport, scheme in ((PHONE, "light"), (DESKTOP, "dark")):
        context, page = signed_in(chromium, w, viewport)
        page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
        for path in [*w.pages(), "/account"]:
            page.goto(w.live.base + path)
            where = f"{path} at {viewport['width']} px, {scheme}"
            if viewport is PHONE and (wide := wider_than_viewport(page)):
                problems[f"{where}: wider than the viewport"] = wide
            if violations := axe_violations(page):
                problems[f"{where}: axe"] = violations
        context.close()
    signed_out = chromium.new_context(viewport=PHONE)  # type: ignore[arg-type]
    signed_out.add_init_script(path=str(AXE))
    page = signed_out.new_page()
    for path in ["/login", "/signup", "/no/such/page", w.invite_link.removeprefix(w.live.base)]:
        page.goto(w.live.base + path)
        if wide := wider_than_viewport(page):
            problems[f"{path} signed out: wider than the viewport"] = wide
        if violations := axe_violations(page):
            problems[f"{path} signed out: axe"] = violations
    signed_out.close()
    assert problems == {}, "\n".join(f"{where}: {what}" for where, what in problems.items())
