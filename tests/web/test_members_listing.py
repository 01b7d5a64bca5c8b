"""The members table of a large organization: search by email or name prefix, sort by
email, name or joined in either direction, and pages of 50 along the keyset cursor of
members.listing.member_page (no offset, no second listing)."""

from __future__ import annotations

import re

from tenantry.orgs.models import Organization
from tests.factories import add_member, make_user
from tests.web.conftest import Web


def _emails(html: str) -> list[str]:
    return re.findall(r'<tr id="member-\w+">\s*<td class="select">[^\n]*\n\s*<td>([^<\s]+)', html)


def _org_with(web: Web, n: int) -> tuple[object, str]:
    owner = web.browser()
    org_id = owner.sign_up("aaa-owner@example.com", name="Owner")
    with web.t.db.transaction() as s:
        s.get_one(Organization, org_id).seat_cap = None
    with web.t.db.sessions() as s:
        org = s.get_one(Organization, org_id)
    for i in range(n):
        add_member(
            web.t,
            org,
            make_user(web.t, f"m{i:03d}@example.com", name=f"Name {n - i:03d}"),
            ["member"],
        )
    return owner, org_id


def test_members_come_in_pages_of_fifty_with_a_next_link(web: Web) -> None:
    owner, org = _org_with(web, 60)
    first = owner.get(f"/orgs/{org}").text
    shown = _emails(first)
    assert len(shown) == 50 and shown == sorted(shown)
    assert "61 members" in first  # the seat meter counts everyone, not the page
    found = re.search(r'href="([^"]+cursor=[^"]+)" rel="next"', first)
    assert found
    second = owner.get(found.group(1).replace("&amp;", "&")).text
    rest = _emails(second)
    assert len(rest) == 11 and not set(rest) & set(shown)
    assert 'rel="next"' not in second and "First page" in second


def test_search_is_by_email_or_name_prefix(web: Web) -> None:
    owner, org = _org_with(web, 12)
    assert _emails(owner.get(f"/orgs/{org}?q=m01").text) == ["m010@example.com", "m011@example.com"]
    assert _emails(owner.get(f"/orgs/{org}?q=Name 012").text) == ["m000@example.com"]
    none = owner.get(f"/orgs/{org}?q=zzz").text
    assert "No member's email or name starts with “zzz”" in none


def test_sort_by_name_descending(web: Web) -> None:
    owner, org = _org_with(web, 3)
    shown = _emails(owner.get(f"/orgs/{org}?sort=name&dir=desc").text)
    # names: Owner, then Name 003 (m000), Name 002 (m001), Name 001 (m002)
    assert shown == [
        "aaa-owner@example.com",
        "m000@example.com",
        "m001@example.com",
        "m002@example.com",
    ]
    ascending = _emails(owner.get(f"/orgs/{org}?sort=name&dir=asc").text)
    assert ascending == shown[::-1]


def test_a_bad_sort_or_cursor_is_a_clear_refusal(web: Web) -> None:
    owner, org = _org_with(web, 1)
    bad = owner.get(f"/orgs/{org}?sort=salary")
    assert bad.status_code == 422 and "Members sort by email, name, joined" in bad.text
    assert owner.get(f"/orgs/{org}?cursor=garbage").status_code == 422
