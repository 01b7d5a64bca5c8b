"""The dashboard's audit log: each event in words with the policy's labels, filters by who,
what, about whom and when, older pages, and export buttons that give the filtered file."""

from __future__ import annotations

import csv
import io

from tenantry.accounts.service import user_by_email
from tenantry.members import service as members
from tenantry.orgs.service import get_org
from tests.factories import actor, add_member, make_user
from tests.web.conftest import Web


def _org_with_carol(web: Web, owner) -> tuple[str, str]:
    org_id = owner.sign_up("olive@example.com", name="Olive")
    carol = make_user(web.t, "carol@example.com", name="Carol")
    with web.t.db.reading() as s:
        olive, org = user_by_email(s, "olive@example.com"), get_org(s, org_id)
    add_member(web.t, org, carol, ["member"], by=olive)
    with web.t.db.transaction() as s:
        members.change_roles(
            s, web.t.authz, actor=actor(olive), org_id=org_id, user_id=carol.id, roles=["admin"]
        )
    return org_id, carol.id


def test_events_read_as_sentences_with_the_role_labels(web: Web) -> None:
    owner = web.browser()
    org_id, _ = _org_with_carol(web, owner)
    page = owner.get(f"/orgs/{org_id}/audit").text
    assert "Olive changed Carol&#39;s role from MEMBER to ADMIN" in page
    assert "Olive added Carol as MEMBER" in page


def test_filters_narrow_the_log_to_one_person_and_action(web: Web) -> None:
    owner = web.browser()
    org_id, carol_id = _org_with_carol(web, owner)
    page = owner.get(
        f"/orgs/{org_id}/audit", params={"action": "member.roles_changed", "target": carol_id}
    ).text
    assert "changed Carol&#39;s role" in page and "added Carol" not in page
    none = owner.get(f"/orgs/{org_id}/audit", params={"since": "2999-01-01T00:00"}).text
    assert "No events match these filters." in none


def test_a_wrong_time_is_said_on_the_page(web: Web) -> None:
    owner = web.browser()
    org_id, _ = _org_with_carol(web, owner)
    page = owner.get(f"/orgs/{org_id}/audit", params={"since": "soon"}).text
    assert "is not a date and time like 2026-12-01T09:30" in page


def test_the_export_button_downloads_the_filtered_csv(web: Web) -> None:
    owner = web.browser()
    org_id, carol_id = _org_with_carol(web, owner)
    page = owner.get(f"/orgs/{org_id}/audit", params={"target": carol_id}).text
    link = f"/orgs/{org_id}/audit/export?format=csv&amp;target={carol_id}"
    assert link in page
    r = owner.get(link.replace("&amp;", "&"))
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["action"] for row in rows] == ["member.added", "member.roles_changed"]


def test_a_member_without_the_audit_permission_gets_no_log_and_no_export(web: Web) -> None:
    owner = web.browser()
    org_id, _ = _org_with_carol(web, owner)
    bob = web.browser()
    bob.sign_up("bob@example.com")
    with web.t.db.reading() as s:
        user, org = user_by_email(s, "bob@example.com"), get_org(s, org_id)
    add_member(web.t, org, user, ["member"])
    assert bob.get(f"/orgs/{org_id}/audit").status_code == 403
    export = bob.get(f"/orgs/{org_id}/audit/export?format=csv")
    assert export.status_code == 403 and "org.created" not in export.text
