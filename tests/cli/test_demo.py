from __future__ import annotations

import pytest
from sqlalchemy import select

from tenantry.accounts.passwords import verify_password
from tenantry.accounts.service import user_by_email
from tenantry.core import Tenantry
from tenantry.demo import seed_demo
from tenantry.members.service import list_members
from tenantry.orgs.models import Organization
from tenantry.orgs.service import orgs_of_user
from tenantry.policy import PolicyError, load_preset, preset_names
from tenantry.policy.model import MembershipMode
from tenantry.resources.service import list_resources


def _loadable_presets() -> list[str]:
    names = []
    for name in preset_names():
        try:
            load_preset(name)
        except (PolicyError, OSError):  # a preset still being written
            continue
        names.append(name)
    return names


@pytest.mark.parametrize("preset", _loadable_presets())
def test_seed_demo_gives_a_signed_in_owner_and_members_of_the_policy(db_url, preset):
    t = Tenantry(db_url, preset)
    try:
        credentials = seed_demo(t)
        policy = t.policy
        assert credentials[0] == ("owner@demo.test", "demo-password-owner")
        assert len({email for email, _ in credentials}) == len(credentials) >= 3
        with t.db.sessions() as s:
            for email, password in credentials:
                assert verify_password(user_by_email(s, email).password_hash, password)
            owner = user_by_email(s, "owner@demo.test")
            (org,) = orgs_of_user(s, owner.id)
            assert org.parent_id is None
            members = list_members(s, org.id)
            resources = list_resources(s, org.id)
            all_orgs = s.scalars(select(Organization)).all()
        assert len(members) >= 3  # the owner and members in several roles or setups
        if policy.membership is MembershipMode.PERMISSIONS:
            assert len({m.permissions for m in members}) == len(members)
        else:
            assert len({m.roles for m in members}) == len(members)
        assert t.authz.check(owner.id, policy.invite_permission, org.id)
        assert {r.type for r in resources} == set(policy.resource_types)
        child_kinds = {k.name for k in policy.kinds.values() if k.parents}
        assert {o.kind for o in all_orgs} - {org.kind} == child_kinds
        assert seed_demo(t) == []  # a second run seeds nothing
    finally:
        t.close()
