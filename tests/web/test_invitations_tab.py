"""The pending invitations tab comes in pages of 50, newest first, like the API's list."""

from __future__ import annotations

import re

from tenantry.invitations import service as invitations
from tenantry.orgs.models import Organization
from tenantry.writes import Actor
from tests.web.conftest import Web


def test_the_pending_tab_pages_fifty_at_a_time_newest_first(web: Web) -> None:
    owner = web.browser()
    org = owner.sign_up("olive@example.com")
    with web.t.db.transaction() as s:
        s.get_one(Organization, org).seat_cap = None
    for i in range(55):
        with web.t.db.transaction() as s:
            invitations.invite(
                s,
                web.t.authz,
                web.t.invites,
                actor=Actor.operator(),
                org_id=org,
                emails=[f"p{i:02}@example.com"],
                roles=["member"],
            )
    first = owner.get(f"/orgs/{org}/invitations").text
    shown = re.findall(r"<td>(p\d\d@example\.com)</td>", first)
    assert shown == [f"p{i:02}@example.com" for i in range(54, 4, -1)]
    older = re.search(r'href="([^"]+)" rel="next">Older invitations', first)
    assert older, first
    rest = owner.get(older.group(1).replace("&amp;", "&")).text
    assert re.findall(r"<td>(p\d\d@example\.com)</td>", rest) == [
        f"p{i:02}@example.com" for i in range(4, -1, -1)
    ]
    assert "Older invitations" not in rest and "Newest first" in rest
    assert owner.get(f"/orgs/{org}/invitations?cursor=made-up").status_code == 422
