"""Resource service rules that hold across presets."""

from __future__ import annotations

from tests.factories import add_member, make_org, make_resource, make_user


def test_an_editor_who_creates_an_invite_only_workspace_can_open_it_as_editor(tenantry_for):
    t = tenantry_for("dystr")
    admin, editor, viewer = make_user(t), make_user(t), make_user(t)
    org = make_org(t, admin)
    add_member(t, org, editor, ["editor"])
    add_member(t, org, viewer, ["viewer"])
    private = make_resource(t, org, "workspace", "Secret", visibility="invite_only", by=editor)
    granted = t.authz.resource_permissions(editor.id, org.id, private.id)
    assert granted == {"workspace.view", "workspace.edit"}  # capped at Editor, not Administrator
    assert t.authz.resource_permissions(viewer.id, org.id, private.id) == frozenset()


def test_creating_a_business_project_makes_its_creator_its_manager(tenantry_for):
    t = tenantry_for("distancer")
    owner = make_user(t)
    org = make_org(t, owner)
    project = make_resource(t, org, "business_project", "Shop", by=owner)
    assert t.authz.check(owner.id, "business_project.settings.manage", org.id, project.id)
