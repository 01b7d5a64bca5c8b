"""The engine's decisions and its explanations come from one code path: for any snapshot of
any preset, the mask a check uses equals the union of the explained sources, and explain
says "allowed" exactly when the check does."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tenantry.engine.evaluate import explain, org_mask, org_sources, resource_mask, resource_sources
from tenantry.engine.snapshot import AccessSnapshot, AncestorAccess, OrgNode, ResourceNode
from tenantry.policy import load_preset, preset_names

POLICIES = [load_preset(name) for name in preset_names()]


@st.composite
def cases(draw: st.DrawFn) -> tuple:
    policy = draw(st.sampled_from(POLICIES))
    roles = sorted(policy.roles)
    perms = sorted(p.id for p in policy.org_permissions)
    kinds = frozenset(draw(st.sets(st.sampled_from(sorted(policy.kinds)), min_size=1)))
    org = OrgNode("org", "Org", kinds, "parent", 3)
    parent = OrgNode("parent", "Parent", frozenset(policy.kinds), None, 1)
    resources = []
    grants, exclusions = {}, {}
    for i, (name, rtype) in enumerate(sorted(policy.resource_types.items())):
        rid = f"r{i}"
        resources.append(
            ResourceNode(rid, "org", name, rid, draw(st.sampled_from(rtype.visibilities)))
        )
        if draw(st.booleans()):
            grants[rid] = draw(st.sampled_from(sorted(rtype.roles)))
        if draw(st.booleans()):
            exclusions[rid] = frozenset(draw(st.sets(st.sampled_from(sorted(rtype.roles)))))
    snap = AccessSnapshot(
        user_id="u",
        org=org,
        is_member=draw(st.booleans()),
        roles=frozenset(draw(st.sets(st.sampled_from(roles)))) if roles else frozenset(),
        direct=frozenset(draw(st.sets(st.sampled_from(perms)))),
        cross_roles=frozenset(draw(st.sets(st.sampled_from(roles)))) if roles else frozenset(),
        ancestors=(AncestorAccess(parent, 1, frozenset(draw(st.sets(st.sampled_from(roles))))),)
        if roles
        else (),
        resource_roles=grants,
        exclusions=exclusions,
    )
    return policy, snap, resources


@settings(max_examples=300, deadline=None)
@given(cases())
def test_checks_and_explanations_never_disagree(case: tuple) -> None:
    policy, snap, resources = case
    described = 0
    for source in org_sources(policy, snap):
        described |= source.mask
    assert org_mask(policy, snap) == described
    for perm in policy.org_permissions:
        assert explain(policy, snap, perm.id).allowed == bool(described & perm.mask)
    for node in resources:
        described = 0
        for source in resource_sources(policy, snap, node):
            described |= source.mask
        assert resource_mask(policy, snap, node) == described
        for perm in policy.permissions.values():
            if perm.scope == node.type:
                assert explain(policy, snap, perm.id, node).allowed == bool(described & perm.mask)
