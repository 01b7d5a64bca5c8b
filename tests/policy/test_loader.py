"""An invalid policy is refused with the file, the key path and what is wrong."""

from __future__ import annotations

import pytest

from tenantry.policy import PolicyError, load_policy, parse_policy

VALID = """
[policy]
name = "shop"
title = "Shop"
creator_role = "owner"
owner_role = "owner"
default_kind = "organization"

[policy.members]
invite = "org.members.manage"
remove = "org.members.manage"
change_role = "org.members.manage"
grant = "org.members.manage"

[kinds.organization]
label = "Organization"

[permissions]
"org.view"           = { category = "Organization", label = "View" }
"org.members.manage" = { category = "Organization", label = "Manage members" }
"project.view"       = { scope = "project", category = "Project", label = "View project" }

[roles.owner]
permissions = ["org.*"]
manages = ["owner", "member"]

[roles.member]
permissions = ["org.view"]

[resources.project]
create_permission = "org.members.manage"
manage_permission = "org.members.manage"

[resources.project.roles.viewer]
permissions = ["project.view"]
"""

HIERARCHY = """
[policy]
name = "tiers"
title = "Tiers"
creator_role = "admin"
owner_role = "admin"
default_kind = "top"

[policy.members]
invite = "org.manage"
remove = "org.manage"
change_role = "org.manage"
grant = "org.manage"

[kinds.top]
label = "Top"

[kinds.middle]
parents = ["top"]
create_permission = "org.manage"

[kinds.bottom]
parents = ["middle"]
create_permission = "org.manage"

[permissions]
"org.view"   = { category = "Organization", label = "View" }
"org.manage" = { category = "Organization", label = "Manage" }

[roles.admin]
permissions = ["org.*"]
manages = ["admin"]
"""


def refused(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        parse_policy(text, source="x.toml")
    error = caught.value
    assert error.source == "x.toml"
    assert str(error).startswith("x.toml: ")
    return error


def assert_refused(text: str, key: str, *words: str) -> None:
    error = refused(text)
    assert error.key == key, str(error)
    assert str(error).startswith(f"x.toml: {key}: ")
    for word in words:
        assert word in error.problem, str(error)


def test_the_valid_base_policy_loads() -> None:
    policy = parse_policy(VALID, source="x.toml")
    assert policy.roles["owner"].permissions == {"org.view", "org.members.manage"}
    assert policy.source is None
    assert parse_policy(HIERARCHY, source="x.toml").kinds["bottom"].parents == {"middle"}


def test_bad_toml_is_refused_with_the_file_name() -> None:
    error = refused(VALID + "\n[roles.member\n")
    assert error.key == ""
    assert "is not valid TOML" in error.problem


def test_unknown_key_is_refused_as_a_typo() -> None:
    text = VALID.replace(
        '[roles.member]\npermissions = ["org.view"]', '[roles.member]\npermision = ["org.view"]'
    )
    assert_refused(text, "roles.member.permision", "not a known key")


def test_unknown_key_at_the_top_level_is_refused() -> None:
    assert_refused(VALID + "\n[rolez.admin]\npermissions = []\n", "rolez", "not a known key")


def test_unknown_key_in_a_template_is_refused() -> None:
    text = (
        VALID + '\n[templates.helper]\nlabel = "Helper"\npermissions = ["org.view"]\nlabl = "x"\n'
    )
    assert_refused(text, "templates.helper.labl", "not a known key")


def test_a_template_with_label_and_description_loads() -> None:
    text = VALID + (
        '\n[templates.helper]\nlabel = "Helper"\ndescription = "Helps"\n'
        'permissions = ["org.view"]\n'
    )
    template = parse_policy(text, source="x.toml").templates["helper"]
    assert (template.label, template.description, template.permissions) == (
        "Helper",
        "Helps",
        {"org.view"},
    )


def test_unknown_permission_in_a_role_is_refused() -> None:
    text = VALID.replace('permissions = ["org.view"]', 'permissions = ["org.veiw"]')
    assert_refused(text, "roles.member.permissions[0]", "'org.veiw'", "matches no organization")


def test_a_resource_permission_in_an_organization_role_is_refused() -> None:
    text = VALID.replace('permissions = ["org.view"]', 'permissions = ["project.view"]')
    assert_refused(text, "roles.member.permissions[0]", "'project.view'")


def test_glob_matching_nothing_is_refused() -> None:
    text = VALID.replace('permissions = ["org.view"]', 'permissions = ["org.view", "billing.*"]')
    assert_refused(text, "roles.member.permissions[1]", "'billing.*'", "matches no")


def test_unknown_role_in_manages_is_refused() -> None:
    text = VALID.replace('manages = ["owner", "member"]', 'manages = ["owner", "admin"]')
    assert_refused(text, "roles.owner.manages", "unknown role 'admin'")


def test_unknown_role_in_assigns_is_refused() -> None:
    text = VALID.replace(
        'manages = ["owner", "member"]', 'manages = ["member"]\nassigns = ["guest"]'
    )
    assert_refused(text, "roles.owner.assigns", "unknown role 'guest'")


def test_assigns_defaults_to_manages() -> None:
    roles = parse_policy(VALID, source="x.toml").roles
    assert roles["owner"].assigns == {"owner", "member"}
    text = VALID.replace(
        'manages = ["owner", "member"]', 'manages = ["member"]\nassigns = ["owner", "member"]'
    )
    roles = parse_policy(text, source="x.toml").roles
    assert (roles["owner"].manages, roles["owner"].assigns) == ({"member"}, {"owner", "member"})


def test_a_rule_naming_an_unknown_organization_role_is_refused() -> None:
    text = VALID + '\n[[resources.project.rules]]\norg_roles = ["admin"]\ngrant = "viewer"\n'
    assert_refused(
        text, "resources.project.rules[0].org_roles", "unknown organization role 'admin'"
    )


def test_a_rule_granting_an_unknown_resource_role_is_refused() -> None:
    text = VALID + '\n[[resources.project.rules]]\norg_roles = ["owner"]\ngrant = "editor"\n'
    assert_refused(text, "resources.project.rules[0].grant", "unknown project role 'editor'")


def test_a_rule_with_a_visibility_the_type_lacks_is_refused() -> None:
    text = VALID + (
        '\n[[resources.project.rules]]\norg_roles = ["owner"]\ngrant = "viewer"\n'
        'visibility = "organization"\n'
    )
    assert_refused(text, "resources.project.rules[0].visibility", "not a visibility of project")


def test_a_cap_naming_an_unknown_role_is_refused() -> None:
    text = VALID + '\n[resources.project.caps]\nguest = "viewer"\n'
    assert_refused(text, "resources.project.caps.guest", "not an organization role")


def test_a_resource_type_without_roles_is_refused() -> None:
    text = VALID.replace('[resources.project.roles.viewer]\npermissions = ["project.view"]\n', "")
    text = "\n".join(line for line in text.splitlines() if not line.startswith('"project.view"'))
    assert_refused(text, "resources.project.roles", "at least one role")


def test_a_cyclic_kinds_parents_graph_is_refused() -> None:
    text = HIERARCHY.replace(
        '[kinds.top]\nlabel = "Top"',
        '[kinds.top]\nparents = ["bottom"]\ncreate_permission = "org.manage"',
    )
    error = refused(text)
    assert error.key.startswith("kinds.") and error.key.endswith(".parents")
    assert "cycle" in error.problem
    assert "top" in error.problem and "middle" in error.problem and "bottom" in error.problem


def test_a_kind_that_is_its_own_parent_is_refused() -> None:
    text = HIERARCHY.replace('parents = ["top"]', 'parents = ["middle"]')
    assert_refused(text, "kinds.middle.parents", "cycle: middle -> middle")


def test_a_parent_kind_that_does_not_exist_is_refused() -> None:
    text = HIERARCHY.replace('parents = ["top"]', 'parents = ["tpo"]')
    assert_refused(text, "kinds.middle.parents", "unknown kind 'tpo'")


def test_a_child_kind_without_create_permission_is_refused() -> None:
    text = HIERARCHY.replace(
        'parents = ["top"]\ncreate_permission = "org.manage"', 'parents = ["top"]'
    )
    assert_refused(text, "kinds.middle.create_permission", "is required")


def test_an_inherit_rule_that_cannot_reach_is_refused() -> None:
    text = HIERARCHY + (
        '\n[[inherit]]\nfrom_kind = "top"\nfrom_roles = ["admin"]\nto_kind = "bottom"\n'
        'permissions = ["org.view"]\n'
    )
    assert_refused(text, "inherit[0].to_kind", "never be within 1 level(s) below a top")


def test_an_inherit_rule_that_reaches_with_depth_loads() -> None:
    text = HIERARCHY + (
        '\n[[inherit]]\nfrom_kind = "top"\nfrom_roles = ["admin"]\nto_kind = "bottom"\n'
        'permissions = ["org.view"]\ndepth = 2\ninferred = true\n'
    )
    (rule,) = parse_policy(text, source="x.toml").inherit
    assert (rule.depth, rule.inferred, rule.permissions) == (2, True, {"org.view"})


def test_an_inherit_rule_upwards_is_refused() -> None:
    text = HIERARCHY + (
        '\n[[inherit]]\nfrom_kind = "bottom"\nfrom_roles = ["admin"]\nto_kind = "top"\n'
        'permissions = ["org.view"]\ndepth = 3\n'
    )
    assert_refused(text, "inherit[0].to_kind", "never be within 3 level(s) below a bottom")


def test_an_inherit_rule_naming_an_unknown_role_is_refused() -> None:
    text = HIERARCHY + (
        '\n[[inherit]]\nfrom_kind = "top"\nfrom_roles = ["boss"]\nto_kind = "middle"\n'
        'permissions = ["org.view"]\n'
    )
    assert_refused(text, "inherit[0].from_roles", "unknown role 'boss'")


VIEW_LINE = '"org.view"           = { category = "Organization", label = "View" }'


@pytest.mark.parametrize(
    ("before", "after", "key"),
    [
        ('name = "shop"\n', "", "policy.name"),
        ('title = "Shop"\n', "", "policy.title"),
        ('default_kind = "organization"\n', "", "policy.default_kind"),
        ('invite = "org.members.manage"\n', "", "policy.members.invite"),
        (VIEW_LINE, '"org.view" = { category = "Organization" }', "permissions.org.view.label"),
        (VIEW_LINE, '"org.view" = { label = "View" }', "permissions.org.view.category"),
        ('create_permission = "org.members.manage"\n', "", "resources.project.create_permission"),
        ('grant = "viewer"', "", "resources.project.rules[0].grant"),
    ],
)
def test_missing_required_keys_are_refused(before: str, after: str, key: str) -> None:
    text = VALID + '\n[[resources.project.rules]]\norg_roles = ["owner"]\ngrant = "viewer"\n'
    assert before in text
    assert_refused(text.replace(before, after, 1), key, "is required")


def test_missing_members_table_is_refused() -> None:
    start = VALID.index("[policy.members]")
    end = VALID.index("[kinds.organization]")
    assert_refused(VALID[:start] + VALID[end:], "policy.members", "is required")


def test_no_kinds_is_refused() -> None:
    assert_refused(
        VALID.replace('[kinds.organization]\nlabel = "Organization"\n', ""), "kinds", "at least one"
    )


def test_neither_owner_role_nor_owner_permission_is_refused() -> None:
    assert_refused(VALID.replace('owner_role = "owner"\n', ""), "policy.owner_role", "exactly one")


def test_both_owner_role_and_owner_permission_are_refused() -> None:
    text = VALID.replace(
        'owner_role = "owner"\n', 'owner_role = "owner"\nowner_permission = "org.view"\n'
    )
    assert_refused(text, "policy.owner_role", "exactly one")


@pytest.mark.parametrize(
    ("before", "after", "key", "problem"),
    [
        (
            "[policy]\n",
            "[policy]\ninvite_expiry_days = true\n",
            "policy.invite_expiry_days",
            "must be int, not bool",
        ),
        (
            "[policy]\n",
            '[policy]\ninvite_expiry_days = "7"\n',
            "policy.invite_expiry_days",
            "must be int, not str",
        ),
        (
            "[policy]\n",
            "[policy]\ndefault_seat_cap = 2.5\n",
            "policy.default_seat_cap",
            "must be int, not float",
        ),
        ('name = "shop"', "name = 3", "policy.name", "must be str, not int"),
        (
            'manages = ["owner", "member"]',
            'manages = "member"',
            "roles.owner.manages",
            "must be list, not str",
        ),
        (
            'manages = ["owner", "member"]',
            "manages = [1]",
            "roles.owner.manages[0]",
            "must be a string",
        ),
        (
            "[roles.member]\n",
            "[roles.member]\nunique = 1\n",
            "roles.member.unique",
            "must be bool, not int",
        ),
        (
            "[policy.members]\n",
            '[policy.members]\ncan_remove_self = "no"\n',
            "policy.members.can_remove_self",
            "must be bool, not str",
        ),
    ],
)
def test_wrong_types_are_refused(before: str, after: str, key: str, problem: str) -> None:
    assert_refused(VALID.replace(before, after, 1), key, problem)


def test_a_table_where_a_value_belongs_is_refused() -> None:
    text = VALID.replace(
        '[roles.member]\npermissions = ["org.view"]', "[roles.member]\npermissions = {}"
    )
    assert_refused(text, "roles.member.permissions", "must be list")


@pytest.mark.parametrize(
    ("before", "after", "key", "problem"),
    [
        ('creator_role = "owner"', 'creator_role = "boss"', "policy.creator_role", "'boss'"),
        ('owner_role = "owner"', 'owner_role = "boss"', "policy.owner_role", "unknown role 'boss'"),
        (
            'default_kind = "organization"',
            'default_kind = "team"',
            "policy.default_kind",
            "unknown kind 'team'",
        ),
        (
            'name = "shop"',
            'name = "shop"\nmembership = "teams"',
            "policy.membership",
            "'role', 'roles' or 'permissions'",
        ),
        (
            'name = "shop"',
            'name = "shop"\ntransfer_ownership = "auction"',
            "policy.transfer_ownership",
            "'operator' or 'grant-all'",
        ),
        (
            'name = "shop"',
            'name = "shop"\ninvite_expiry_days = 0',
            "policy.invite_expiry_days",
            "at least 1",
        ),
        (
            'grant = "org.members.manage"',
            'grant = "org.grant"',
            "policy.members.grant",
            "unknown permission 'org.grant'",
        ),
        (
            'create_permission = "org.members.manage"',
            'create_permission = "project.view"',
            "resources.project.create_permission",
            "is a project permission",
        ),
    ],
)
def test_wrong_values_are_refused(before: str, after: str, key: str, problem: str) -> None:
    assert_refused(VALID.replace(before, after, 1), key, problem)


def test_creator_role_with_permissions_membership_is_refused() -> None:
    text = VALID.replace('name = "shop"', 'name = "shop"\nmembership = "permissions"')
    assert_refused(text, "policy.creator_role", "not used when membership = 'permissions'")


def test_a_role_restricted_to_an_unknown_kind_is_refused() -> None:
    text = VALID.replace("[roles.member]\n", '[roles.member]\nkinds = ["team"]\n')
    assert_refused(text, "roles.member.kinds", "unknown kind 'team'")


def test_per_kind_creator_and_owner_roles_replace_the_policys() -> None:
    text = (
        HIERARCHY.replace('creator_role = "admin"\nowner_role = "admin"\n', "")
        .replace("[kinds.top]\n", '[kinds.top]\ncreator_role = "admin"\nowner_role = "admin"\n')
        .replace("[kinds.middle]\n", '[kinds.middle]\ncreator_role = "lead"\nowner_role = "lead"\n')
        .replace("[kinds.bottom]\n", '[kinds.bottom]\ncreator_role = "lead"\nowner_role = "lead"\n')
        + '\n[roles.lead]\nkinds = ["middle", "bottom"]\npermissions = ["org.view"]\n'
    )
    policy = parse_policy(text, source="x.toml")
    assert policy.creator_role is None and policy.owner.role is None
    assert [policy.creator_role_for(k) for k in ("top", "middle", "bottom")] == [
        "admin",
        "lead",
        "lead",
    ]
    assert [policy.owner_role_for(k) for k in ("top", "middle", "bottom")] == [
        "admin",
        "lead",
        "lead",
    ]


def test_a_kind_whose_creator_role_does_not_exist_there_is_refused() -> None:
    text = HIERARCHY.replace("[kinds.middle]\n", '[kinds.middle]\ncreator_role = "lead"\n') + (
        '\n[roles.lead]\nkinds = ["bottom"]\npermissions = ["org.view"]\n'
    )
    assert_refused(text, "kinds.middle.creator_role", "does not exist in middle organizations")


def test_a_policy_owner_role_missing_from_a_kind_is_refused() -> None:
    text = HIERARCHY.replace("[roles.admin]\n", '[roles.admin]\nkinds = ["top"]\n')
    assert_refused(text, "policy.creator_role", "does not exist in middle organizations")


def test_a_kind_naming_an_unknown_owner_role_is_refused() -> None:
    text = HIERARCHY.replace("[kinds.bottom]\n", '[kinds.bottom]\nowner_role = "boss"\n')
    assert_refused(text, "kinds.bottom.owner_role", "unknown role 'boss'")


def test_a_derived_kind_must_name_a_resource_type() -> None:
    text = VALID + '\n[kinds.provider]\nderived_from_resource = "shop"\n'
    assert_refused(text, "kinds.provider.derived_from_resource", "unknown resource type 'shop'")


def test_a_permission_scoped_to_an_unknown_resource_type_is_refused() -> None:
    text = VALID.replace('scope = "project"', 'scope = "projekt"')
    assert_refused(text, "permissions.project.view.scope", "'projekt'")


def test_load_policy_names_an_unreadable_path() -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy("/nonexistent/policy.toml")
    assert caught.value.source == "/nonexistent/policy.toml"
    assert "neither a preset" in caught.value.problem


def test_load_policy_reports_the_file_path(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "broken.toml"
    path.write_text(VALID.replace('title = "Shop"\n', ""), "utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(str(path))
    assert str(caught.value) == f"{path}: policy.title: is required"


def test_a_resource_edit_permission_must_be_one_of_that_types_permissions() -> None:
    with_edit = VALID.replace(
        'manage_permission = "org.members.manage"\n',
        'manage_permission = "org.members.manage"\nedit_permission = "org.view"\n',
    )
    assert_refused(with_edit, "resources.project.edit_permission", "expected project")
    good = with_edit.replace('edit_permission = "org.view"', 'edit_permission = "project.view"')
    assert parse_policy(good, source="x.toml").resource_types["project"].edit_permission == (
        "project.view"
    )


# -- role combinations ----------------------------------------------------------------------------

ADDITIVE = VALID.replace(
    'creator_role = "owner"\n', 'membership = "roles"\ncreator_role = "owner"\n'
)
ADDITIVE = ADDITIVE.replace(
    '"org.members.manage" = { category = "Organization", label = "Manage members" }\n',
    '"org.members.manage" = { category = "Organization", label = "Manage members" }\n'
    '"org.report.read"    = { category = "Organization", label = "Full report" }\n',
)
ADDITIVE = ADDITIVE.replace(
    'permissions = ["org.*"]', 'permissions = ["org.view", "org.members.manage"]'
)
ADDITIVE += """
[roles.reader]
permissions = ["org.view"]
"""
COMBINATION = """
[[combination]]
roles = ["member", "reader"]
permissions = ["org.report.read"]
"""


def test_a_role_combination_gives_what_its_roles_give_together() -> None:
    policy = parse_policy(ADDITIVE + COMBINATION, source="x.toml")
    (rule,) = policy.combinations
    assert rule.roles == {"member", "reader"}
    assert policy.combined_permissions({"member", "reader", "owner"}) == {"org.report.read"}
    assert policy.combined_permissions({"member"}) == set()


@pytest.mark.parametrize(
    ("change", "key", "problem"),
    [
        (('["member", "reader"]', '["member"]'), "combination[0].roles", "at least two different"),
        (('["member", "reader"]', '["member", "member"]'), "combination[0].roles", "two different"),
        (
            ('["member", "reader"]', '["member", "boss"]'),
            "combination[0].roles",
            "unknown role 'boss'",
        ),
        (('["org.report.read"]', "[]"), "combination[0].permissions", "give the permissions"),
        (('["org.report.read"]', '["org.nope"]'), "combination[0].permissions[0]", "matches no"),
        # the mistake the marketplace preset made: the permission on one of the roles already
        (('["org.report.read"]', '["org.view"]'), "combination[0].permissions", "already given"),
    ],
)
def test_a_bad_role_combination_is_refused(change: tuple[str, str], key: str, problem: str) -> None:
    assert_refused(ADDITIVE + COMBINATION.replace(*change), key, problem)


def test_a_role_combination_with_an_unknown_key_is_refused() -> None:
    assert_refused(
        ADDITIVE + COMBINATION + 'note = "x"\n', "combination[0].note", "not a known key"
    )


def test_a_role_combination_needs_additive_roles() -> None:
    text = (ADDITIVE + COMBINATION).replace('membership = "roles"', 'membership = "role"')
    assert_refused(text, "combination", "membership = 'roles'")


def test_a_role_combination_across_kinds_that_never_meet_is_refused() -> None:
    text = (ADDITIVE + COMBINATION).replace(
        "[kinds.organization]\n", '[kinds.other]\nlabel = "Other"\n\n[kinds.organization]\n'
    )
    text = text.replace(
        '[roles.reader]\npermissions = ["org.view"]',
        '[roles.reader]\nkinds = ["other"]\npermissions = ["org.view"]',
    ).replace(
        '[roles.member]\npermissions = ["org.view"]',
        '[roles.member]\nkinds = ["organization"]\npermissions = ["org.view"]',
    )
    assert_refused(text, "combination[0].roles", "no organization kind has all of them")


# -- who creates an organization that stands alone ------------------------------------------------


def test_a_kind_may_be_left_to_the_operator_at_the_top_level() -> None:
    text = HIERARCHY.replace(
        '[kinds.top]\nlabel = "Top"\n', '[kinds.top]\nlabel = "Top"\ntop_level = "operator"\n'
    )
    policy = parse_policy(text, source="x.toml")
    assert policy.kinds["top"].top_level == "operator"
    assert not policy.kinds["top"].open_to_anyone
    assert not policy.signup_creates_org
    assert parse_policy(HIERARCHY, source="x.toml").signup_creates_org


def test_a_bad_top_level_is_refused() -> None:
    text = HIERARCHY.replace(
        '[kinds.top]\nlabel = "Top"\n', '[kinds.top]\nlabel = "Top"\ntop_level = "admins"\n'
    )
    assert_refused(text, "kinds.top.top_level", "'anyone' or 'operator'")


def test_top_level_on_a_kind_with_parents_is_refused() -> None:
    text = HIERARCHY.replace("[kinds.middle]\n", '[kinds.middle]\ntop_level = "operator"\n')
    assert_refused(text, "kinds.middle.top_level", "stand alone")


def test_reads_default_to_the_grant_gate_and_settings_reads_to_the_settings_gate() -> None:
    """A policy that names no view permission shows its member list to too few, never to
    everyone (fail closed)."""
    policy = parse_policy(VALID, source="x.toml")
    assert policy.view_permission == policy.grant_permission == "org.members.manage"
    assert policy.settings_view_permission == policy.settings_permission
    text = VALID.replace(
        "[kinds.organization]",
        '[policy.organization]\nview = "org.view"\nview_settings = "org.view"\n\n'
        "[kinds.organization]",
    )
    declared = parse_policy(text, source="x.toml")
    assert (declared.view_permission, declared.settings_view_permission) == ("org.view",) * 2


def test_a_view_permission_outside_the_organization_scope_is_refused() -> None:
    text = VALID.replace(
        "[kinds.organization]",
        '[policy.organization]\nview = "project.view"\n\n[kinds.organization]',
    )
    assert_refused(text, "policy.organization.view", "project.view")
