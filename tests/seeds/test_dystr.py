"""Dystr — "Permissions Management" (shared/seeds/002_24ea705142d5dbde.txt), at the service level.

Every rule the page states is one test against the ``dystr`` preset.
"""

from __future__ import annotations

import pytest

from tenantry.errors import PermissionDenied
from tenantry.members import service as members
from tenantry.resources import service as resources
from tenantry.resources.service import AccessChange, NotAnOrgMember
from tests.factories import actor, add_member, make_org, make_resource, make_user

VIEW, EDIT, MANAGE = "workspace.view", "workspace.edit", "workspace.manage"


@pytest.fixture
def t(tenantry_for):
    return tenantry_for("dystr")


@pytest.fixture
def team(t):
    """An organization with two Administrators, an Editor and a Viewer, an organization-wide
    Workspace and an invite-only one."""
    admin, admin2, editor, viewer = (make_user(t) for _ in range(4))
    org = make_org(t, admin)
    add_member(t, org, admin2, ["administrator"])
    add_member(t, org, editor, ["editor"])
    add_member(t, org, viewer, ["viewer"])
    shared = make_resource(t, org, "workspace", "Shared", visibility="organization", by=admin)
    private = make_resource(t, org, "workspace", "Private", visibility="invite_only", by=admin)
    return org, admin, admin2, editor, viewer, shared, private


def share(t, by, org, user, workspace, role):
    with t.db.transaction() as s:
        resources.set_member_access(
            s,
            t.authz,
            actor=actor(by),
            org_id=org.id,
            user_id=user.id,
            changes=[AccessChange(workspace.id, role)],
        )


def reach(t, org, user, workspace) -> set[str]:
    return set(t.authz.resource_permissions(user.id, org.id, workspace.id))


# -- organization roles --------------------------------------------------------------------------


def test_creator_is_administrator(t, team):
    org, admin, *_ = team
    assert t.authz.snapshot(admin.id, org.id).roles == {"administrator"}


def test_administrator_manages_settings_and_invites_members(t, team):
    org, admin, *_ = team
    for permission in ("org.settings.manage", "org.members.invite", "org.members.role.change"):
        assert t.authz.check(admin.id, permission, org.id), permission


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_only_administrators_manage_settings_and_invite(t, team, who):
    org, _, _, editor, viewer, *_ = team
    user = {"editor": editor, "viewer": viewer}[who]
    assert not t.authz.check(user.id, "org.settings.manage", org.id)
    assert not t.authz.check(user.id, "org.members.invite", org.id)


def test_administrator_invites_with_any_of_the_three_roles(t, team):
    org, admin, *_ = team
    for role in ("administrator", "editor", "viewer"):
        newcomer = make_user(t)
        add_member(t, org, newcomer, [role], by=admin)
        assert t.authz.snapshot(newcomer.id, org.id).roles == {role}


def test_editor_cannot_invite(t, team):
    org, _, _, editor, *_ = team
    newcomer = make_user(t)
    with pytest.raises(PermissionDenied):
        add_member(t, org, newcomer, ["viewer"], by=editor)
    assert not t.authz.snapshot(newcomer.id, org.id).is_member


def test_editor_can_create_workspaces(t, team):
    org, _, _, editor, *_ = team
    created = make_resource(t, org, "workspace", "Editor's", by=editor)
    assert EDIT in reach(t, org, editor, created)


def test_viewer_cannot_create_workspaces(t, team):
    org, _, _, _, viewer, *_ = team
    with pytest.raises(PermissionDenied):
        make_resource(t, org, "workspace", "Viewer's", by=viewer)


def test_role_change_from_the_dropdown_takes_effect_on_the_next_check(t, team):
    org, admin, _, _, viewer, shared, _ = team
    assert EDIT not in reach(t, org, viewer, shared)
    with t.db.transaction() as s:
        members.change_roles(
            s, t.authz, actor=actor(admin), org_id=org.id, user_id=viewer.id, roles=["editor"]
        )
    assert EDIT in reach(t, org, viewer, shared)


# -- organization-wide workspaces ----------------------------------------------------------------


def test_editor_edits_an_organization_wide_workspace(t, team):
    org, _, _, editor, _, shared, _ = team
    assert reach(t, org, editor, shared) == {VIEW, EDIT}


def test_viewer_only_views_an_organization_wide_workspace(t, team):
    org, _, _, _, viewer, shared, _ = team
    assert reach(t, org, viewer, shared) == {VIEW}


def test_administrator_has_full_access_to_an_organization_wide_workspace(t, team):
    org, admin, _, _, _, shared, _ = team
    assert reach(t, org, admin, shared) == {VIEW, EDIT, MANAGE}


def test_non_members_do_not_reach_an_organization_wide_workspace(t, team):
    org, _, _, _, _, shared, _ = team
    stranger = make_user(t)
    assert not t.authz.check(stranger.id, VIEW, org.id, shared.id)


def test_organization_wide_access_cannot_be_taken_from_one_member(t, team):
    org, admin, _, _, viewer, shared, _ = team
    share(t, admin, org, viewer, shared, None)
    assert reach(t, org, viewer, shared) == {VIEW}


# -- invite-only workspaces ----------------------------------------------------------------------


@pytest.mark.parametrize("who", ["editor", "viewer"])
def test_uninvited_members_do_not_reach_an_invite_only_workspace(t, team, who):
    org, _, _, editor, viewer, _, private = team
    user = {"editor": editor, "viewer": viewer}[who]
    assert reach(t, org, user, private) == set()


def test_invited_member_reaches_an_invite_only_workspace(t, team):
    org, admin, _, editor, _, _, private = team
    share(t, admin, org, editor, private, "editor")
    assert reach(t, org, editor, private) == {VIEW, EDIT}


def test_only_organization_members_can_be_added_to_a_workspace(t, team):
    org, admin, *_, private = team
    stranger = make_user(t)
    with pytest.raises(NotAnOrgMember):
        share(t, admin, org, stranger, private, "viewer")
    assert not t.authz.check(stranger.id, VIEW, org.id, private.id)


def test_viewer_given_editor_on_an_invite_only_workspace_only_views(t, team):
    org, admin, _, _, viewer, _, private = team
    share(t, admin, org, viewer, private, "editor")
    assert reach(t, org, viewer, private) == {VIEW}


def test_editor_given_administrator_on_a_workspace_gets_at_most_editor(t, team):
    org, admin, _, editor, _, _, private = team
    share(t, admin, org, editor, private, "administrator")
    assert reach(t, org, editor, private) == {VIEW, EDIT}


def test_administrators_reach_invite_only_workspaces_they_were_not_added_to(t, team):
    org, _, admin2, *_, private = team
    assert reach(t, org, admin2, private) == {VIEW, EDIT, MANAGE}


def test_administrators_reach_workspaces_created_after_they_joined(t, team):
    org, _, admin2, editor, *_ = team
    later = make_resource(t, org, "workspace", "Later", visibility="invite_only", by=editor)
    assert reach(t, org, admin2, later) == {VIEW, EDIT, MANAGE}


def test_an_administrators_workspace_access_cannot_be_removed(t, team):
    org, admin, admin2, *_, private = team
    share(t, admin, org, admin2, private, None)
    assert reach(t, org, admin2, private) == {VIEW, EDIT, MANAGE}


def test_removing_workspace_access_revokes_it_at_once(t, team):
    org, admin, _, editor, _, _, private = team
    share(t, admin, org, editor, private, "editor")
    assert t.authz.check(editor.id, VIEW, org.id, private.id)  # warms the cache
    share(t, admin, org, editor, private, None)
    assert reach(t, org, editor, private) == set()


def test_making_a_workspace_invite_only_shuts_out_uninvited_members(t, team):
    org, admin, _, editor, viewer, shared, _ = team
    share(t, admin, org, editor, shared, "editor")
    assert t.authz.check(viewer.id, VIEW, org.id, shared.id)  # warms the cache
    with t.db.transaction() as s:
        resources.update_resource(
            s,
            t.authz,
            actor=actor(admin),
            org_id=org.id,
            resource_id=shared.id,
            visibility="invite_only",
        )
    assert reach(t, org, viewer, shared) == set()
    assert reach(t, org, editor, shared) == {VIEW, EDIT}


def test_removing_a_member_from_the_organization_removes_their_workspace_access(t, team):
    org, admin, _, editor, _, _, private = team
    share(t, admin, org, editor, private, "editor")
    with t.db.transaction() as s:
        members.remove_members(s, t.authz, actor=actor(admin), org_id=org.id, user_ids=[editor.id])
    assert not t.authz.check(editor.id, VIEW, org.id, private.id)


def test_members_who_cannot_share_cannot_add_others_to_a_workspace(t, team):
    org, _, _, editor, viewer, shared, _ = team
    with pytest.raises(PermissionDenied):
        share(t, editor, org, viewer, shared, "editor")
    assert reach(t, org, viewer, shared) == {VIEW}


# -- lookups and explanations --------------------------------------------------------------------


def test_lookup_resources_lists_organization_wide_and_invited_workspaces(t, team):
    org, admin, _, _, viewer, shared, private = team
    other_private = make_resource(t, org, "workspace", "Other", visibility="invite_only", by=admin)
    share(t, admin, org, viewer, private, "viewer")
    assert {n.id for n in t.authz.lookup_resources(viewer.id, VIEW, org.id)} == {
        shared.id,
        private.id,
    }
    assert other_private.id not in {n.id for n in t.authz.lookup_resources(viewer.id, EDIT, org.id)}


def test_lookup_resources_gives_administrators_every_workspace(t, team):
    org, _, admin2, _, _, shared, private = team
    found = {n.id for n in t.authz.lookup_resources(admin2.id, MANAGE, org.id)}
    assert found == {shared.id, private.id}


def test_lookup_subjects_on_an_invite_only_workspace_is_administrators_and_invitees(t, team):
    org, admin, admin2, editor, viewer, _, private = team
    share(t, admin, org, viewer, private, "viewer")
    assert set(t.authz.lookup_subjects(VIEW, org.id, private.id)) == {
        admin.id,
        admin2.id,
        viewer.id,
    }
    assert editor.id not in t.authz.lookup_subjects(VIEW, org.id, private.id)


def test_lookup_subjects_on_an_organization_wide_workspace_follows_the_org_roles(t, team):
    org, admin, admin2, editor, viewer, shared, _ = team
    assert set(t.authz.lookup_subjects(VIEW, org.id, shared.id)) == {
        admin.id,
        admin2.id,
        editor.id,
        viewer.id,
    }
    assert set(t.authz.lookup_subjects(EDIT, org.id, shared.id)) == {admin.id, admin2.id, editor.id}


def test_explain_names_the_administrator_rule(t, team):
    org, _, admin2, *_, private = team
    why = t.authz.explain(admin2.id, MANAGE, org.id, private.id)
    assert why.allowed
    assert any("Administrator" in r and "every Workspace" in r for r in why.reasons)


def test_explain_names_the_organization_wide_visibility(t, team):
    org, _, _, _, viewer, shared, _ = team
    why = t.authz.explain(viewer.id, VIEW, org.id, shared.id)
    assert why.allowed
    assert any("Viewer" in r and "organization-wide" in r for r in why.reasons)


def test_explain_names_the_cap_of_the_organization_role(t, team):
    org, admin, _, _, viewer, _, private = team
    share(t, admin, org, viewer, private, "editor")
    assert any("capped" in r for r in t.authz.explain(viewer.id, VIEW, org.id, private.id).reasons)
    denied = t.authz.explain(viewer.id, EDIT, org.id, private.id)
    assert not denied.allowed


def test_explain_says_why_an_uninvited_member_is_denied(t, team):
    org, _, _, editor, _, _, private = team
    why = t.authz.explain(editor.id, VIEW, org.id, private.id)
    assert not why.allowed
    assert why.reasons and "View the Workspace" in why.reasons[0]
