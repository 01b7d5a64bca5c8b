"""Each event in words, with the policy's role and permission labels and people's names."""

from __future__ import annotations

import pytest

from tenantry.audit.models import AuditEvent
from tenantry.audit.words import Words, known_actions
from tenantry.policy import load_policy

OLIVE, CAROL = "a" * 32, "c" * 32


@pytest.fixture(scope="module")
def words():
    return Words(load_policy("distribu"), {OLIVE: "Olive", CAROL: "Carol"})


def event(action, before=None, after=None, **fields):
    base = {"actor_id": OLIVE, "actor": "olive@example.com", "target_id": CAROL}
    base["target"] = "carol@example.com"
    return AuditEvent(action=action, before=before, after=after, **{**base, **fields})


def test_a_role_change_names_both_people_and_the_roles_labels(words):
    said = words.describe(
        event("member.roles_changed", {"roles": ["member"]}, {"roles": ["admin"]})
    )
    assert said == "Olive changed Carol's role from MEMBER to ADMIN"


def test_a_permission_change_uses_the_permission_labels(words):
    said = words.describe(
        event(
            "member.permissions_changed",
            {"permissions": ["org.delete"]},
            {"permissions": ["org.webhooks.manage"]},
        )
    )
    assert said == "Olive gave Carol Configure webhooks and took away Delete the company"


def test_adding_and_removing_members(words):
    assert words.describe(event("member.added", after={"roles": ["admin"]})) == (
        "Olive added Carol as ADMIN"
    )
    assert words.describe(event("member.removed", before={"roles": ["member"]})) == (
        "Olive removed Carol (who held MEMBER)"
    )


def test_a_person_not_on_the_page_is_named_by_the_email_the_event_kept(words):
    said = words.describe(
        event("member.added", after={"roles": ["member"]}, target_id="f" * 32, target="x@y.z")
    )
    assert said == "Olive added x@y.z as MEMBER"


def test_api_keys_and_the_operator_are_named_as_such(words):
    by_key = event("api_key.created", actor_id="k" * 32, actor="api-key:CI", target="deploys")
    assert words.describe(by_key) == "API key CI created API key deploys"
    by_operator = event(
        "org.created", actor_id=None, actor="operator", target_id="0" * 32, target="Olive Co"
    )
    assert words.describe(by_operator) == "The operator created the organization Olive Co"


def test_a_refusal_names_the_missing_permission(words):
    refused = event(
        "access.denied",
        after={"code": "PERMISSION_DENIED", "permission": "org.members.remove"},
        target="DELETE /v1/orgs/{org_id}/members/{user_id}",
    )
    assert words.describe(refused) == (
        "Olive was refused DELETE /v1/orgs/{org_id}/members/{user_id}: "
        "PERMISSION_DENIED (lacking Remove members)"
    )


def test_an_action_without_a_phrase_still_reads(words):
    assert words.describe(event("member.something_new")) == "Olive member something new Carol"


def test_every_action_the_services_record_has_a_phrase():
    import pathlib
    import re

    src = pathlib.Path(__file__).resolve().parents[2] / "src" / "tenantry"
    recorded = {
        m
        for path in src.rglob("*.py")
        for m in re.findall(r'action="([a-z_]+\.[a-z_.]+)"', path.read_text())
    }
    organization_actions = {a for a in recorded if not a.startswith(("account.", "user."))}
    assert organization_actions - set(known_actions()) == set()


def test_leaving_reads_as_leaving(words):
    said = words.describe(event("member.left", before={"roles": ["admin"]}, actor_id=CAROL))
    assert said == "Carol left the organization (holding ADMIN)"
