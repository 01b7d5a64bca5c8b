"""``tenantry access``: a user's effective access in an organization as tables."""

from __future__ import annotations

from datetime import UTC, datetime

from tenantry.members import service as members
from tenantry.resources.service import (
    AccessChange,
    create_resource,
    list_resources,
    set_member_access,
)
from tenantry.writes import Actor
from tests.cli._runner import add_member_by_email


def test_access_lists_org_permissions_and_each_checkout_with_the_reason(cli, tenantry_on):
    run = cli("verkkokurssikassa")
    run.user("alice@example.com", "Alice")
    run.user("aino@example.com", "Aino")
    org_id = run.org("Acme", "alice@example.com")
    t = tenantry_on("verkkokurssikassa")
    add_member_by_email(t, org_id, "aino@example.com", ["admin"])
    with t.db.transaction() as s:
        for name in ("Spring", "Autumn"):
            create_resource(
                s, t.authz, actor=Actor.operator(), org_id=org_id, rtype="checkout", name=name
            )
    with t.db.reading() as s:
        spring = next(r for r in list_resources(s, org_id) if r.name == "Spring")
    aino = t.authz.lookup_subjects("org.view", org_id)
    aino_id = next(u for u in aino if t.authz.snapshot(u, org_id).roles == {"admin"})
    with t.db.transaction() as s:
        set_member_access(
            s,
            t.authz,
            actor=Actor.operator(),
            org_id=org_id,
            user_id=aino_id,
            changes=[AccessChange(spring.id, None)],
        )
    result = run("access", "aino@example.com", org_id)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "aino@example.com in Acme: roles admin" in out
    assert "org.members.invite" in out and "org.delete" not in out
    lines = {line.split()[1]: line for line in out.splitlines() if line.startswith("Checkout")}
    assert "no access" in lines["Spring"]  # the hand-removed row stays removed
    assert "holds Admin, which is Admin on every Checkout" in lines["Autumn"]


def test_access_at_an_instant_names_the_grant_who_made_it_and_its_event(cli, tenantry_on):
    run = cli("distribu")
    run.user("olive@example.com", "Olive")
    run.user("bob@example.com", "Bob")
    org_id = run.org("Olive Co", "olive@example.com")
    t = tenantry_on("distribu")
    add_member_by_email(t, org_id, "bob@example.com", ["admin"])
    between = datetime.now(UTC).isoformat()
    bob = t.authz.lookup_subjects("org.members.remove", org_id)
    with t.db.transaction() as s:
        members.remove_members(
            s,
            t.authz,
            actor=Actor.operator(),
            org_id=org_id,
            user_ids=[u for u in bob if t.authz.snapshot(u, org_id).roles == {"admin"}],
        )
    then = run("access", "bob@example.com", org_id, "--at", between)
    assert then.exit_code == 0, then.output
    assert "a member" in then.stdout and "operator" in then.stdout
    assert "Remove members" in then.stdout and "holds the organization role ADMIN" in then.stdout
    now = run("access", "bob@example.com", org_id, "--at", datetime.now(UTC).isoformat())
    assert "not a member" in now.stdout and "no permissions then" in now.stdout
    wrong = run("access", "bob@example.com", org_id, "--at", "yesterday")
    assert wrong.exit_code == 2 and "2026-12-01T09:30" in wrong.stderr
