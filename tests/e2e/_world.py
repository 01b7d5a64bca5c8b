"""A demo organization of a policy, its pages, and a signed-in browser for them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from tenantry.accounts.models import User
from tenantry.demo import seed_demo
from tenantry.invitations import service as invitations
from tenantry.members.service import list_members
from tenantry.orgs.models import Organization
from tenantry.resources.models import Resource
from tenantry.writes import Actor
from tests.e2e.conftest import Live

AXE = Path(__file__).with_name("vendor") / "axe-core-4.14.1.min.js"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@dataclass
class World:
    live: Live
    org_id: str
    member_id: str
    invite_link: str
    owner: tuple[str, str]  # email, password

    def pages(self) -> list[str]:
        """Every page a person can open, signed in as the owner."""
        org = f"/orgs/{self.org_id}"
        pages = ["/orgs", org, f"{org}/invitations", f"{org}/api-keys", f"{org}/audit"]
        pages.append(f"{org}/settings")
        pages.append(f"{org}/members/{self.member_id}/access")
        if self.live.t.policy.resource_types:
            pages.append(f"{org}/resources")
            with self.live.t.db.sessions() as s:
                first = s.scalar(select(Resource.id).where(Resource.org_id == self.org_id))
            if first is not None:
                pages.append(f"{org}/resources/{first}")
        return [*pages, "/no/such/page", f"/orgs/{'0' * 32}"]


def world(live: Live) -> World:
    """The demo data of the live service's policy, plus one pending invitation."""
    t = live.t
    credentials = seed_demo(t)
    owner_email, password = credentials[0]
    with t.db.transaction() as s:
        owner = s.scalar(select(User).where(User.email == owner_email))
        assert owner is not None
        org = s.scalar(select(Organization).where(Organization.parent_id.is_(None)))
        assert org is not None
        member = next(m for m in list_members(s, org.id) if m.user_id != owner.id)
        first_role = [r.name for r in t.policy.roles_for_kind(org.kind) if r.assignable][-1:]
        permissions = [] if first_role else [t.policy.org_permissions[0].id]
        (result,) = invitations.invite(
            s,
            t.authz,
            t.invites,
            actor=Actor(owner.id, owner.email),
            org_id=org.id,
            emails=["pending.person@example.com"],
            roles=first_role,
            permissions=permissions,
        )
        assert result.invitation is not None
        link = invitations.link_of(result.invitation, t.invites)
        org_id, member_id = org.id, member.user_id
    return World(live, org_id, member_id, link, (owner_email, password))


def signed_in(chromium: Browser, w: World, viewport: dict[str, int]) -> tuple[BrowserContext, Page]:
    context = chromium.new_context(viewport=viewport)  # type: ignore[arg-type]
    context.add_init_script(path=str(AXE))  # beside the page's own scripts, past its CSP
    page = context.new_page()
    page.goto(f"{w.live.base}/login")
    page.get_by_label("Email").fill(w.owner[0])
    page.get_by_label("Password").fill(w.owner[1])
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    return context, page


def wider_than_viewport(page: Page) -> list[str]:
    """What sticks out past the right edge of the viewport (empty when nothing does)."""
    return list(
        page.evaluate(
            """() => {
              const width = document.documentElement.clientWidth;
              if (document.documentElement.scrollWidth <= width) return [];
              return [...document.querySelectorAll("body *")]
                .filter((e) => e.getBoundingClientRect().right > width + 0.5)
                .slice(0, 8)
                .map((e) => e.tagName.toLowerCase() + (e.className ? "." + e.className : "")
                     + " right=" + Math.round(e.getBoundingClientRect().right));
            }"""
        )
    )


def axe_violations(page: Page) -> list[str]:
    """WCAG 2.0/2.1 A and AA violations axe-core finds on the page, one line each."""
    found = page.evaluate(
        """async () => {
          const result = await axe.run(document, {runOnly: {type: "tag",
            values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
          return result.violations.map((v) => v.id + ": " + v.help + " — "
            + v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", "));
        }"""
    )
    return [str(line) for line in found]
