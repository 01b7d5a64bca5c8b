"""Set-based "who can" equals asking the engine about every candidate.

On random rows of every preset — organizations in their hierarchy, members with random
roles and direct permissions, cross-organization roles, resources of every type and
visibility with random grants and hand-removed rows — ``authz.holders`` must answer exactly
what ``load_snapshot`` + the engine's masks answer for each user, for every permission:
the organization's subjects (members or not), the members the list filters to, each
resource's subjects, and the same again page by page.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry.accounts.service import create_user
from tenantry.authz import holders
from tenantry.authz.loader import load_snapshot, resource_node
from tenantry.engine.evaluate import org_mask, resource_mask
from tenantry.members import _rows
from tenantry.members import service as members
from tenantry.members.models import CrossOrgRole, Membership
from tenantry.orgs.models import Organization
from tenantry.policy.model import ORGANIZATION, Policy
from tenantry.resources.models import Resource, ResourceExclusion, ResourceGrant

PRESETS = ["distribu", "dystr", "verkkokurssikassa", "distancer", "marketplace"]
USERS = 6
_names = itertools.count(1)


def _kinds_in_order(policy: Policy) -> list[str]:
    """Kinds whose parents come first (a marketplace distributor before its sellers)."""
    done: list[str] = []
    while len(done) < len(policy.kinds):
        for name, kind in policy.kinds.items():
            if name not in done and kind.parents <= set(done):
                done.append(name)
    return done


def _some(draw: st.DrawFn, items: list[str], most: int = 3) -> list[str]:
    return draw(st.lists(st.sampled_from(items), max_size=most, unique=True)) if items else []


def _build(s: Session, policy: Policy, draw: st.DrawFn) -> tuple[list[str], list[str]]:
    """Random rows for USERS fresh users; returns (user ids, organization ids)."""
    n = next(_names)
    users = [
        create_user(s, email=f"h{n}x{i}@example.com", name=f"H {i}", password=None).id
        for i in range(USERS)
    ]
    orgs: list[Organization] = []
    for kind in _kinds_in_order(policy):
        parents = [o for o in orgs if o.kind in policy.kinds[kind].parents]
        for _ in range(draw(st.integers(1, 2))):
            parent = draw(st.sampled_from(parents)) if parents else None
            org = Organization(name=f"O{n}", kind=kind, parent_id=parent.id if parent else None)
            s.add(org)
            s.flush()
            orgs.append(org)
    org_permissions = [p.id for p in policy.org_permissions]
    for org in orgs:
        roles = [r.name for r in policy.roles_for_kind(org.kind)]
        cross = [r.name for r in policy.roles_for_kind(org.kind) if r.cross_org] or roles
        unique_taken: set[str] = set()
        memberships: dict[str, str] = {}
        for user_id in users:
            if draw(st.booleans()):
                held = [r for r in _some(draw, roles) if r not in unique_taken]
                unique_taken |= {r for r in held if policy.roles[r].unique}
                m = _rows.insert_membership(
                    s,
                    policy,
                    org_id=org.id,
                    user_id=user_id,
                    roles=held,
                    permissions=_some(draw, org_permissions, 4),
                )
                memberships[user_id] = m.id
            for role in _some(draw, cross, 1) if draw(st.integers(0, 3)) == 0 else []:
                s.add(CrossOrgRole(org_id=org.id, user_id=user_id, role=role))
        for rtype in policy.resource_types.values():
            # the rows a rule gives are the ones a hand-removal matters for
            removable = sorted({rule.grant for rule in rtype.rules if rule.removable})
            for i in range(draw(st.integers(1, 2))):
                res = Resource(
                    org_id=org.id,
                    type=rtype.name,
                    name=f"R{i}",
                    visibility=draw(st.sampled_from(rtype.visibilities)),
                )
                s.add(res)
                s.flush()
                for mid in memberships.values():
                    if draw(st.booleans()):
                        role = draw(st.sampled_from(list(rtype.roles)))
                        s.add(ResourceGrant(membership_id=mid, resource_id=res.id, role=role))
                    for role in _some(draw, removable or list(rtype.roles), 1):
                        s.add(ResourceExclusion(membership_id=mid, resource_id=res.id, role=role))
    s.flush()
    return users, [o.id for o in orgs]


def _paged(fetch, args: tuple, step: int) -> list[str]:
    """Every subject, ``step`` at a time, each page after the last id of the one before."""
    out: list[str] = []
    while True:
        page = fetch(*args, after=out[-1] if out else None, limit=step)
        out += page
        if len(page) < step:
            return out


@pytest.mark.parametrize("preset", PRESETS)
def test_set_based_holders_equal_the_engine_asked_about_every_candidate(tenantry_for, preset):
    t = tenantry_for(preset)
    policy = t.policy

    @settings(
        max_examples=10,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.data())
    def run(data: st.DataObject) -> None:
        with t.db.transaction() as s:
            users, org_ids = _build(s, policy, data.draw)
            for org_id in org_ids:
                snaps = {u: load_snapshot(s, policy, u, org_id) for u in users}
                member_ids = set(
                    s.scalars(select(Membership.user_id).where(Membership.org_id == org_id))
                )
                for perm in policy.permissions.values():
                    if perm.scope != ORGANIZATION:
                        continue
                    expected = sorted(
                        u for u, snap in snaps.items() if org_mask(policy, snap) & perm.mask
                    )
                    assert holders.org_subjects(s, policy, org_id, perm) == expected, perm.id
                    paged = _paged(holders.org_subjects, (s, policy, org_id, perm), 2)
                    assert paged == expected, perm.id
                    where = members.member_filters(s, policy, org_id, permission=perm.id)
                    listed = members.member_page(s, org_id, where=where, limit=500).items
                    assert sorted(v.user_id for v in listed) == sorted(
                        set(expected) & member_ids
                    ), perm.id
                resources = s.scalars(select(Resource).where(Resource.org_id == org_id)).all()
                for res in resources:
                    node = resource_node(res)
                    for perm in policy.permissions.values():
                        if perm.scope != res.type:
                            continue
                        expected = sorted(
                            u
                            for u, snap in snaps.items()
                            if resource_mask(policy, snap, node) & perm.mask
                        )
                        got = holders.resource_subjects(s, policy, node, perm)
                        assert got == expected, (perm.id, res.visibility)
                        paged = _paged(holders.resource_subjects, (s, policy, node, perm), 1)
                        assert paged == expected
            s.rollback()

    run()
