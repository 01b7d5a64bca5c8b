"""Each shipped preset carries its seed page's tables: the whole matrix, asserted as data."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from tenantry.policy import MembershipMode, Policy, load_preset, preset_names

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"
Y, N = True, False


def org_matrix(policy: Policy) -> dict[str, frozenset[str]]:
    return {name: role.permissions for name, role in policy.roles.items()}


def expected_from_columns(
    rows: dict[str, tuple[str, tuple[bool, ...]]], columns: tuple[str, ...]
) -> dict[str, frozenset[str]]:
    """{row label: (permission id, check marks per column)} -> {column: permission ids}."""
    return {
        column: frozenset(pid for pid, marks in rows.values() if marks[i])
        for i, column in enumerate(columns)
    }


# -- every preset ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_loads(name: str) -> None:
    policy = load_preset(name)
    assert policy.name == name
    assert policy.permissions
    for perm in policy.permissions.values():
        assert perm.label and perm.category


def quoted_page(name: str) -> str:
    """The page quoted at the end of a preset file (its ``# > `` lines)."""
    text = resources.files("tenantry.policy.presets").joinpath(f"{name}.toml").read_text("utf-8")
    lines = [line for line in text.splitlines() if line.startswith("# >")]
    return "\n".join(line.removeprefix("# >").removeprefix(" ") for line in lines)


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_names_its_page_and_quotes_it_in_full(name: str) -> None:
    source = load_preset(name).source
    assert source is not None
    assert source.endswith(f"quoted in full at the end of src/tenantry/policy/presets/{name}.toml")
    assert "shared/" not in source  # a clone of the repository has no shared/ folder
    page = quoted_page(name)
    assert len(page) > 1000
    if SEEDS.is_dir():  # beside the specification: the quote is the page, word for word
        pages = [_words(p.read_text("utf-8")) for p in SEEDS.glob("*.txt")]
        assert _words(page) in pages


def _words(text: str) -> list[str]:
    return [line.rstrip() for line in text.strip().splitlines()]


@pytest.mark.parametrize("name", preset_names())
def test_every_creatable_kind_has_a_creator_and_owner_of_that_kind(name: str) -> None:
    policy = load_preset(name)
    for kind in policy.kinds.values():
        if kind.derived_from_resource:
            continue
        for role_name in (policy.creator_role_for(kind.name), policy.owner_role_for(kind.name)):
            if policy.membership is MembershipMode.PERMISSIONS:
                assert role_name is None
                continue
            assert role_name is not None
            role = policy.roles[role_name]
            assert not role.kinds or kind.name in role.kinds


# -- Distribu (seed 001) -------------------------------------------------------------------------

DISTRIBU_MATRIX = {
    #  row of the page's "Role matrix"      permission id              OWNER ADMIN MEMBER
    "Sign into the dashboard": ("org.dashboard.access", (Y, Y, Y)),
    "View inventory, customers, orders": ("org.data.view", (Y, Y, Y)),
    "Create / edit products": ("org.products.edit", (Y, Y, Y)),
    "Place and manage orders": ("org.orders.manage", (Y, Y, Y)),
    "Invite new members": ("org.members.invite", (Y, Y, N)),
    "Remove members": ("org.members.remove", (Y, Y, N)),  # ADMIN: "(except other admins)"
    "Change a member's role": ("org.members.role.change", (Y, N, N)),
    "Create / revoke API keys": ("org.api_keys.manage", (Y, Y, N)),
    "Configure webhooks": ("org.webhooks.manage", (Y, Y, N)),
    "Manage billing & subscription": ("org.billing.manage", (Y, N, N)),
    "Delete the company": ("org.delete", (Y, N, N)),
}


def test_distribu_role_matrix_is_the_pages_table() -> None:
    policy = load_preset("distribu")
    assert org_matrix(policy) == expected_from_columns(
        DISTRIBU_MATRIX, ("owner", "admin", "member")
    )
    assert [r.label for r in policy.roles.values()] == ["OWNER", "ADMIN", "MEMBER"]


def test_distribu_permissions_are_exactly_the_rows_with_their_wording() -> None:
    policy = load_preset("distribu")
    assert {p.id: p.label for p in policy.permissions.values()} == {
        pid: row for row, (pid, _) in DISTRIBU_MATRIX.items()
    }


def test_distribu_has_exactly_one_owner_who_cannot_be_promoted_or_invited() -> None:
    owner = load_preset("distribu").roles["owner"]
    assert owner.unique
    assert not owner.assignable


def test_distribu_admins_cannot_remove_other_admins_or_the_owner() -> None:
    roles = load_preset("distribu").roles
    assert roles["owner"].manages == {"admin", "member"}
    assert roles["admin"].manages == {"member"}
    assert roles["member"].manages == frozenset()


def test_distribu_admins_invite_as_admin_or_member() -> None:
    roles = load_preset("distribu").roles
    assert roles["admin"].assigns == {"admin", "member"}
    assert roles["owner"].assigns == {"admin", "member"}
    assert roles["member"].assigns == frozenset()


def test_distribu_only_the_owner_changes_roles() -> None:
    policy = load_preset("distribu")
    assert policy.change_role_permission == "org.members.role.change"
    holders = {n for n, r in policy.roles.items() if policy.change_role_permission in r.permissions}
    assert holders == {"owner"}


def test_distribu_rules_enforced_by_the_app() -> None:
    policy = load_preset("distribu")
    assert policy.membership is MembershipMode.ONE_ROLE
    assert policy.creator_role == "owner"  # "When you sign up, you become the Owner"
    assert policy.owner.role == "owner"
    assert policy.transfer_ownership == "operator"  # "contact support"
    assert policy.invite_expiry_days == 7
    assert policy.default_seat_cap == 10
    assert policy.can_remove_self is False
    assert policy.can_change_own_role is False
    assert policy.invite_permission == "org.members.invite"
    assert policy.remove_permission == "org.members.remove"
    assert policy.grant_permission == "org.members.role.change"
    assert policy.resource_types == {}
    assert policy.inherit == ()


def test_distribu_api_keys_and_webhooks_follow_their_rows() -> None:
    policy = load_preset("distribu")
    assert policy.api_keys_permission == "org.api_keys.manage"
    assert policy.webhooks_permission == "org.webhooks.manage"
    assert policy.delete_permission == "org.delete"


# -- Dystr (seed 002) ----------------------------------------------------------------------------

DYSTR_ORG_MATRIX = {
    #  capability (from the "Organization Roles" table)  id        Administrator Editor Viewer
    "View the organization": ("org.view", (Y, Y, Y)),
    "Manage organization settings": ("org.settings.manage", (Y, N, N)),
    "Invite members": ("org.members.invite", (Y, N, N)),
    "Remove members": ("org.members.remove", (Y, N, N)),
    "Adjust member roles": ("org.members.role.change", (Y, N, N)),
    "Create Workspaces": ("org.workspaces.create", (Y, Y, N)),
    "Share Workspaces": ("org.workspaces.manage", (Y, N, N)),
}

DYSTR_WORKSPACE_MATRIX = {
    #                                               administrator editor viewer
    "View the Workspace": ("workspace.view", (Y, Y, Y)),
    "Edit the Workspace": ("workspace.edit", (Y, Y, N)),
    "Full access to the Workspace": ("workspace.manage", (Y, N, N)),
}


def test_dystr_organization_roles_are_the_pages_table() -> None:
    policy = load_preset("dystr")
    assert org_matrix(policy) == expected_from_columns(
        DYSTR_ORG_MATRIX, ("administrator", "editor", "viewer")
    )
    assert {n: r.description for n, r in policy.roles.items()} == {
        "administrator": (
            "Can manage organization settings, invite members, and has full access to all "
            "Workspaces"
        ),
        "editor": "Can create and edit Workspaces, and access organization-wide Workspaces",
        "viewer": "Can view organization-wide Workspaces, but cannot make changes",
    }
    assert [r.label for r in policy.roles.values()] == ["Administrator", "Editor", "Viewer"]


def test_dystr_workspace_roles_matrix() -> None:
    workspace = load_preset("dystr").resource_types["workspace"]
    assert {n: r.permissions for n, r in workspace.roles.items()} == expected_from_columns(
        DYSTR_WORKSPACE_MATRIX, ("administrator", "editor", "viewer")
    )
    labels = {p.id: p.label for p in load_preset("dystr").permissions.values()}
    for label, (pid, _) in {**DYSTR_ORG_MATRIX, **DYSTR_WORKSPACE_MATRIX}.items():
        assert labels[pid] == label


def test_dystr_workspaces_start_invite_only_and_can_be_organization_wide() -> None:
    workspace = load_preset("dystr").resource_types["workspace"]
    assert workspace.visibilities == ("invite_only", "organization")
    assert workspace.default_visibility == "invite_only"


def test_dystr_editors_and_administrators_create_workspaces() -> None:
    policy = load_preset("dystr")
    workspace = policy.resource_types["workspace"]
    creators = {n for n, r in policy.roles.items() if workspace.create_permission in r.permissions}
    assert creators == {"administrator", "editor"}
    managers = {n for n, r in policy.roles.items() if workspace.manage_permission in r.permissions}
    assert managers == {"administrator"}


def test_dystr_administrators_always_have_access_to_all_workspaces() -> None:
    rules = load_preset("dystr").resource_types["workspace"].rules
    admin_rules = [r for r in rules if "administrator" in r.org_roles]
    assert len(admin_rules) == 1
    (rule,) = admin_rules
    assert rule.grant == "administrator"
    assert rule.visibility is None  # every Workspace, invite-only ones too
    assert rule.removable is False


def test_dystr_members_reach_organization_wide_workspaces_by_their_role() -> None:
    rules = load_preset("dystr").resource_types["workspace"].rules
    by_role = {role: (r.grant, r.visibility, r.removable) for r in rules for role in r.org_roles}
    assert by_role == {
        "administrator": ("administrator", None, False),
        "editor": ("editor", "organization", False),
        "viewer": ("viewer", "organization", False),
    }


def test_dystr_organization_role_sets_the_maximum_workspace_role() -> None:
    workspace = load_preset("dystr").resource_types["workspace"]
    assert workspace.caps == {
        "administrator": "administrator",
        "editor": "editor",
        "viewer": "viewer",
    }


def test_dystr_administrators_manage_every_role_and_the_org_keeps_one() -> None:
    policy = load_preset("dystr")
    assert policy.roles["administrator"].manages == {"administrator", "editor", "viewer"}
    assert policy.roles["editor"].manages == frozenset()
    assert policy.roles["viewer"].manages == frozenset()
    assert not policy.roles["administrator"].unique
    assert policy.owner.role == "administrator"
    assert policy.creator_role == "administrator"
    assert policy.membership is MembershipMode.ONE_ROLE
    assert list(policy.kinds) == ["organization"]


# -- Distancer.ai (seed 000) ---------------------------------------------------------------------

DISTANCER_PERMISSIONS = {
    "Organization": {
        "org.view": (
            "View Organization",
            "See organization details, member list, and basic settings",
        ),
        "org.manage": (
            "Manage Organization",
            "Edit organization settings, invite/remove members, assign permissions",
        ),
        "org.profile.manage": (
            "Manage Profile",
            "Edit the organization’s public-facing profile information",  # noqa: RUF001 (verbatim)
        ),
    },
    "Customer": {
        "customer.orders.view": ("View Orders", "See order history and order details"),
        "customer.purchases.use": (
            "Use Purchased Products/Services",
            "Access and use products or services the organization has purchased",
        ),
        "customer.orders.place": (
            "Buy/Order",
            "Place new orders and make purchases on behalf of the organization",
        ),
        "customer.orders.manage": ("Manage Orders", "Modify, cancel, or process refunds on orders"),
    },
    "Provider": {
        "provider.products.view": (
            "View Product Configuration",
            "See product/service settings, pricing, and descriptions",
        ),
        "provider.products.manage": (
            "Manage Product Configuration",
            "Edit product/service settings, pricing, descriptions, and create new products",
        ),
        "provider.inventory.view": (
            "View Product Inventory",
            "See stock levels and inventory status",
        ),
        "provider.inventory.manage": (
            "Manage Product Inventory",
            "Update stock quantities, add/remove inventory items",
        ),
        "provider.files.view": (
            "View Product Files",
            "See uploaded files associated with products (images, documents, downloads)",
        ),
        "provider.files.manage": (
            "Manage Product Files",
            "Upload, replace, or delete product files",
        ),
        "provider.orders.view": (
            "View Customer Orders",
            "See incoming customer orders and their details",
        ),
        "provider.orders.manage": (
            "Manage Customer Orders",
            "Process, update, fulfill, or refund customer orders",
        ),
        "provider.communications.view": (
            "View Customer Communications",
            "Read messages and communications from customers",
        ),
        "provider.communications.manage": (
            "Manage Customer Communications",
            "Reply to customer messages, manage communication threads",
        ),
        "provider.meetings.view": (
            "View Meetings",
            "See scheduled meetings, consultations, and class sessions",
        ),
        "provider.meetings.manage": (
            "Manage Meetings",
            "Create, reschedule, or cancel meetings and sessions",
        ),
        "provider.meetings.organize": (
            "Participate in Meetings as Organizer",
            "Join and lead video meetings, consultations, and live class sessions",
        ),
    },
}

# "Common Permission Setups", each exactly as listed on the page (by label)
DISTANCER_TEMPLATES = {
    "Store Manager": (
        "Full control over products and orders",
        {
            "View Organization",
            "Manage Product Configuration",
            "Manage Product Inventory",
            "Manage Product Files",
            "View Customer Orders",
            "Manage Customer Orders",
            "View Customer Communications",
            "Manage Customer Communications",
        },
    ),
    "Customer Support": (
        "Handle customer inquiries and order issues",
        {
            "View Organization",
            "View Product Configuration",
            "View Customer Orders",
            "Manage Customer Orders",
            "View Customer Communications",
            "Manage Customer Communications",
        },
    ),
    "Content Editor": (
        "Manage product listings and media",
        {
            "View Organization",
            "View Product Configuration",
            "Manage Product Configuration",
            "View Product Files",
            "Manage Product Files",
        },
    ),
    "Session Host": (
        "Run consultations or classes",
        {
            "View Organization",
            "View Meetings",
            "Manage Meetings",
            "Participate in Meetings as Organizer",
            "View Customer Communications",
        },
    ),
}


def test_distancer_has_the_twenty_permissions_in_three_categories() -> None:
    policy = load_preset("distancer")
    assert policy.categories() == ["Organization", "Customer", "Provider"]
    actual = {
        category: {
            p.id: (p.label, p.description) for p in policy.org_permissions if p.category == category
        }
        for category in policy.categories()
    }
    assert actual == DISTANCER_PERMISSIONS
    assert len(policy.org_permissions) == 20


def test_distancer_grants_permissions_one_by_one_without_roles() -> None:
    policy = load_preset("distancer")
    assert policy.membership is MembershipMode.PERMISSIONS
    assert policy.roles == {}
    assert policy.creator_role is None


def test_distancer_role_templates_are_the_common_permission_setups() -> None:
    policy = load_preset("distancer")
    labels = {p.id: p.label for p in policy.permissions.values()}
    actual = {
        t.label: (t.description, {labels[pid] for pid in t.permissions})
        for t in policy.templates.values()
    }
    assert actual == DISTANCER_TEMPLATES


def test_distancer_manage_organization_gates_every_member_change() -> None:
    policy = load_preset("distancer")
    assert policy.invite_permission == "org.manage"
    assert policy.remove_permission == "org.manage"
    assert policy.change_role_permission == "org.manage"
    assert policy.grant_permission == "org.manage"
    assert policy.owner.permission == "org.manage"
    assert policy.owner.role is None
    assert policy.profile_permission == "org.profile.manage"


def test_distancer_transfers_ownership_by_granting_everything() -> None:
    assert load_preset("distancer").transfer_ownership == "grant-all"


def test_distancer_customer_by_default_provider_while_it_has_a_business_project() -> None:
    policy = load_preset("distancer")
    assert policy.default_kind == "customer"
    assert set(policy.kinds) == {"customer", "provider"}
    assert policy.kinds["customer"].derived_from_resource is None
    assert policy.kinds["provider"].derived_from_resource == "business_project"
    assert policy.kinds["customer"].parents == frozenset()
    assert policy.kinds["provider"].parents == frozenset()


def test_distancer_any_organization_manager_can_create_a_business_project() -> None:
    project = load_preset("distancer").resource_types["business_project"]
    assert project.create_permission == "org.manage"
    assert project.manage_permission == "org.manage"
    assert {n: r.permissions for n, r in project.roles.items()} == {
        "manager": {"business_project.view", "business_project.settings.manage"}
    }
    assert project.rules == ()
    assert project.caps == {}


# -- Marketplace (seed 003) ----------------------------------------------------------------------

MARKETPLACE_KINDS = {
    # kind: (parents, create_permission on the parent, creator role, owner role)
    "distributor": (set(), None, "super_admin", "super_admin"),
    "seller": ({"distributor"}, "distributor.sellers.create", "seller_admin", "seller_admin"),
    "customer": ({"seller"}, "seller.customers.create", "customer_admin", "customer_admin"),
}

MARKETPLACE_ROLES = {
    # role: (label, level)
    "super_admin": ("Super admin", "distributor"),
    "distributor_admin": ("Distributor admin", "distributor"),
    "distributor_readonly": ("Distributor ReadOnly", "distributor"),
    "seller_admin": ("Seller Admin", "seller"),
    "account_manager": ("Account Manager", "seller"),
    "product_manager": ("Product Manager", "seller"),
    "subscription_manager": ("Subscription Manager", "seller"),
    "reseller_report": ("Reseller Report", "seller"),
    "report_360_viewer": ("360° Report Viewer", "seller"),
    "customer": ("Customer", "customer"),
    "customer_admin": ("Customer admin", "customer"),
    "customer_billing_admin": ("Customer billing Admin", "customer"),
}

# The page's View/Edit tables were lost; this is the matrix derived from its text (see the
# "# inferred" comments in marketplace.toml).
DISTRIBUTOR_MATRIX = {
    #                                    super_admin distributor_admin distributor_readonly
    "org.view": (Y, Y, Y),
    "org.manage": (Y, Y, N),
    "org.members.invite": (Y, Y, N),
    "org.members.roles.grant": (Y, Y, N),
    "org.members.remove": (Y, Y, N),
    "distributor.portal.access": (Y, Y, N),
    "distributor.portal.read": (Y, N, N),  # admin + ReadOnly: MARKETPLACE_COMBINATIONS
    "distributor.sellers.create": (Y, Y, N),
    "reports.360.view": (Y, Y, N),
    "reports.360.assign": (Y, Y, N),
}
SELLER_MATRIX = {
    #   seller_admin account_manager product_manager subscription_manager reseller_report 360_viewer
    "org.view": (Y, Y, Y, Y, N, N),
    "org.manage": (Y, N, N, N, N, N),
    "org.members.invite": (Y, N, N, N, N, N),
    "org.members.roles.grant": (Y, N, N, N, N, N),
    "org.members.remove": (Y, N, N, N, N, N),
    "seller.customers.create": (Y, Y, N, N, N, N),
    "seller.products.view": (Y, Y, Y, N, N, N),
    "seller.products.create": (N, N, Y, N, N, N),
    "seller.cpq.edit": (N, N, Y, N, N, N),
    "seller.subscriptions.view": (Y, Y, N, Y, N, N),
    "seller.subscriptions.manage": (Y, Y, N, Y, N, N),
    "seller.markups.edit": (Y, Y, N, N, N, N),
    "reports.reseller.view": (N, N, N, N, Y, N),
    "reports.360.view": (Y, N, N, N, N, Y),
    "reports.360.assign": (Y, N, N, N, N, N),
}
CUSTOMER_MATRIX = {
    #                                    customer customer_admin customer_billing_admin
    "org.view": (Y, Y, Y),
    "org.members.invite": (N, Y, N),
    "org.members.roles.grant": (N, Y, N),
    "customer.subscriptions.view": (Y, Y, N),
    "customer.subscriptions.purchase": (Y, Y, N),
    "customer.subscriptions.manage": (Y, Y, N),
    "customer.invoices.view": (N, N, Y),
}


def _columns(matrix: dict[str, tuple[bool, ...]], roles: tuple[str, ...]) -> dict[str, set[str]]:
    return {
        role: {pid for pid, marks in matrix.items() if marks[i]} for i, role in enumerate(roles)
    }


def test_marketplace_role_matrix() -> None:
    expected = {
        **_columns(
            DISTRIBUTOR_MATRIX, ("super_admin", "distributor_admin", "distributor_readonly")
        ),
        **_columns(
            SELLER_MATRIX,
            (
                "seller_admin",
                "account_manager",
                "product_manager",
                "subscription_manager",
                "reseller_report",
                "report_360_viewer",
            ),
        ),
        **_columns(CUSTOMER_MATRIX, ("customer", "customer_admin", "customer_billing_admin")),
    }
    assert org_matrix(load_preset("marketplace")) == expected


def test_marketplace_every_permission_appears_in_the_matrix() -> None:
    policy = load_preset("marketplace")
    matrix_ids = set(DISTRIBUTOR_MATRIX) | set(SELLER_MATRIX) | set(CUSTOMER_MATRIX)
    assert set(policy.permissions) == matrix_ids


def test_marketplace_roles_exist_at_their_level_only() -> None:
    policy = load_preset("marketplace")
    assert {n: (r.label, set(r.kinds)) for n, r in policy.roles.items()} == {
        name: (label, {level}) for name, (label, level) in MARKETPLACE_ROLES.items()
    }
    for level in ("distributor", "seller", "customer"):
        assert {r.name for r in policy.roles_for_kind(level)} == {
            n for n, (_, lvl) in MARKETPLACE_ROLES.items() if lvl == level
        }


def test_marketplace_roles_are_additive() -> None:
    assert load_preset("marketplace").membership is MembershipMode.MANY_ROLES


def test_marketplace_hierarchy_is_distributor_seller_customer() -> None:
    policy = load_preset("marketplace")
    actual = {
        name: (set(k.parents), k.create_permission, k.creator_role, k.owner_role)
        for name, k in policy.kinds.items()
    }
    assert actual == MARKETPLACE_KINDS
    assert policy.default_kind == "customer"
    for name, (_, _, creator, owner) in MARKETPLACE_KINDS.items():
        assert policy.creator_role_for(name) == creator
        assert policy.owner_role_for(name) == owner


def test_marketplace_distributors_are_set_up_by_the_operator() -> None:
    policy = load_preset("marketplace")
    assert {name: k.top_level for name, k in policy.kinds.items()} == {
        "distributor": "operator",
        "seller": "anyone",  # created under a distributor, with its create_permission
        "customer": "anyone",
    }
    assert not any(k.open_to_anyone for k in policy.kinds.values())
    assert not policy.signup_creates_org  # one joins by invitation


@pytest.mark.parametrize("name", ["distancer", "distribu", "dystr", "verkkokurssikassa"])
def test_sign_up_creates_the_users_own_organization_elsewhere(name: str) -> None:
    # Distancer: "When you create a Distancer.ai account, a new organization is automatically
    # created for you."
    assert load_preset(name).signup_creates_org


def test_marketplace_distributor_admins_grant_distributor_readonly() -> None:
    policy = load_preset("marketplace")
    for admin in ("super_admin", "distributor_admin"):
        assert "distributor_readonly" in policy.roles[admin].manages
        assert "distributor_readonly" in policy.roles[admin].assigns
        assert policy.invite_permission in policy.roles[admin].permissions
        assert policy.change_role_permission in policy.roles[admin].permissions


# "for the SKU and distributor portal, the "Distributor ReadOnly" role must be assigned in
# addition to the "Distributor admin" role to obtain full read permissions"
MARKETPLACE_COMBINATIONS = [
    ({"distributor_admin", "distributor_readonly"}, {"distributor.portal.read"}),
]


def test_marketplace_full_portal_read_needs_readonly_in_addition_to_distributor_admin() -> None:
    policy = load_preset("marketplace")
    assert [(set(c.roles), set(c.permissions)) for c in policy.combinations] == (
        MARKETPLACE_COMBINATIONS
    )
    roles = policy.roles
    for alone in ("distributor_admin", "distributor_readonly"):
        assert "distributor.portal.read" not in roles[alone].permissions
    assert policy.combined_permissions({"distributor_admin", "distributor_readonly"}) == {
        "distributor.portal.read"
    }


def test_marketplace_only_seller_admin_and_account_manager_edit_markups() -> None:
    roles = load_preset("marketplace").roles
    assert {n for n, r in roles.items() if "seller.markups.edit" in r.permissions} == {
        "seller_admin",
        "account_manager",
    }


def test_marketplace_product_manager_creates_products_and_uses_cpq() -> None:
    roles = load_preset("marketplace").roles
    for pid in ("seller.products.create", "seller.cpq.edit"):
        assert {n for n, r in roles.items() if pid in r.permissions} == {"product_manager"}


def test_marketplace_reseller_reports_need_the_reseller_report_role() -> None:
    roles = load_preset("marketplace").roles
    assert {n for n, r in roles.items() if "reports.reseller.view" in r.permissions} == {
        "reseller_report"
    }


def test_marketplace_360_report_for_admins_without_the_viewer_role() -> None:
    roles = load_preset("marketplace").roles
    assert {n for n, r in roles.items() if "reports.360.view" in r.permissions} == {
        "super_admin",
        "distributor_admin",
        "seller_admin",
        "report_360_viewer",
    }


def test_marketplace_360_report_viewer_is_granted_on_other_organizations() -> None:
    policy = load_preset("marketplace")
    assert {n for n, r in policy.roles.items() if r.cross_org} == {"report_360_viewer"}
    assert policy.grant_permission == "reports.360.assign"
    for admin in ("super_admin", "distributor_admin", "seller_admin"):
        assert "report_360_viewer" in policy.roles[admin].assigns


def test_marketplace_customer_admin_invites_users_of_the_same_organization() -> None:
    policy = load_preset("marketplace")
    inviters = {
        r.name
        for r in policy.roles_for_kind("customer")
        if policy.invite_permission in r.permissions
    }
    assert inviters == {"customer_admin"}
    assert policy.roles["customer_admin"].manages == {"customer", "customer_admin"}


def test_marketplace_customer_is_not_exposed_to_invoices() -> None:
    roles = load_preset("marketplace").roles
    assert {r.name for r in roles.values() if "customer.invoices.view" in r.permissions} == {
        "customer_billing_admin"
    }


MARKETPLACE_INHERIT = [
    # (from kind, from roles, to kind, roles held on the child, permissions, depth)
    (
        "seller",
        {"seller_admin", "account_manager", "subscription_manager"},
        "customer",
        set(),
        {
            "org.view",
            "customer.subscriptions.view",
            "customer.subscriptions.purchase",
            "customer.subscriptions.manage",
        },
        1,
    ),
    (
        "seller",
        {"seller_admin", "account_manager"},
        "customer",
        {"customer_admin"},
        {"customer.invoices.view"},
        1,
    ),
    (
        "distributor",
        {"super_admin", "distributor_admin"},
        "seller",
        set(),
        {
            "org.view",
            "seller.products.view",
            "seller.subscriptions.view",
            "reports.360.view",
            "reports.360.assign",
        },
        1,
    ),
    (
        "distributor",
        {"distributor_readonly"},
        "seller",
        set(),
        {"org.view", "seller.products.view", "seller.subscriptions.view"},
        1,
    ),
    (
        "distributor",
        {"super_admin", "distributor_admin", "distributor_readonly"},
        "customer",
        set(),
        {"org.view", "customer.subscriptions.view"},
        2,
    ),
]


def test_marketplace_parent_roles_reach_child_organizations() -> None:
    actual = [
        (r.from_kind, set(r.from_roles), r.to_kind, set(r.roles), set(r.permissions), r.depth)
        for r in load_preset("marketplace").inherit
    ]
    assert actual == MARKETPLACE_INHERIT


def test_marketplace_customer_permissions_are_available_to_the_seller() -> None:
    policy = load_preset("marketplace")
    customer_perms = policy.roles["customer"].permissions
    reached = {
        role
        for rule in policy.inherit
        if rule.from_kind == "seller"
        and rule.to_kind == "customer"
        and customer_perms <= rule.permissions
        for role in rule.from_roles
    }
    assert "seller_admin" in reached


def test_marketplace_every_inherit_rule_is_marked_inferred() -> None:
    assert all(rule.inferred for rule in load_preset("marketplace").inherit)


def test_marketplace_inferred_lines_say_why() -> None:
    text = (
        resources.files("tenantry.policy.presets").joinpath("marketplace.toml").read_text("utf-8")
    )
    inferred = [line for line in text.splitlines() if "# inferred" in line]
    assert len(inferred) > 30
    for line in inferred:
        reason = line.split("# inferred", 1)[1]
        assert reason.startswith(": ") and len(reason) > 5, line


# which roles see the organization and its member list, and who reads its settings
# ([policy.organization] view / view_settings / settings), per preset
SEES: dict[str, tuple[str, dict[str, bool], dict[str, bool]]] = {
    "distribu": (
        # "Anyone you add to your company can sign in and use the dashboard"
        "org.dashboard.access",
        {"owner": Y, "admin": Y, "member": Y},
        {"owner": Y, "admin": N, "member": N},
    ),
    "dystr": (
        "org.view",
        {"administrator": Y, "editor": Y, "viewer": Y},
        {"administrator": Y, "editor": N, "viewer": N},
    ),
    "verkkokurssikassa": (
        "org.view",
        {"owner": Y, "admin": Y, "member": Y},
        {"owner": Y, "admin": N, "member": N},
    ),
    "marketplace": (
        "org.view",
        {
            "super_admin": Y,
            "distributor_admin": Y,
            "distributor_readonly": Y,
            "seller_admin": Y,
            "account_manager": Y,
            "product_manager": Y,
            "subscription_manager": Y,
            "reseller_report": N,  # "added additionally to the already existing roles"
            "report_360_viewer": N,  # the 360° Report on a perspective organization, only
            "customer": Y,
            "customer_admin": Y,
            "customer_billing_admin": Y,
        },
        {
            "super_admin": Y,
            "distributor_admin": Y,
            "distributor_readonly": N,
            "seller_admin": Y,
            "account_manager": N,
            "product_manager": N,
            "subscription_manager": N,
            "reseller_report": N,
            "report_360_viewer": N,
            "customer": N,
            "customer_admin": N,
            "customer_billing_admin": N,
        },
    ),
}


@pytest.mark.parametrize("name", sorted(SEES))
def test_which_roles_see_the_organization_and_read_its_settings(name: str) -> None:
    policy = load_preset(name)
    view, sees, reads_settings = SEES[name]
    assert policy.view_permission == view
    readers = {policy.settings_view_permission, policy.settings_permission}
    assert {r: view in role.permissions for r, role in policy.roles.items()} == sees
    assert {r: bool(readers & role.permissions) for r, role in policy.roles.items()} == (
        reads_settings
    )


def test_distancer_view_organization_gives_the_member_list_and_basic_settings() -> None:
    """ "View Organization — See organization details, member list, and basic settings"."""
    policy = load_preset("distancer")
    assert (policy.view_permission, policy.settings_view_permission) == ("org.view", "org.view")
    assert policy.settings_permission == "org.manage"  # "Edit organization settings"
