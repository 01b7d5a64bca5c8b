"""The peer: casbin enforcers whose policy lines are generated from the same preset and read
back from the same database tenantry was seeded into."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import casbin
from casbin.model import FastModel, Model
from casbin.model.policy_fast import FastPolicy
from sqlalchemy import select

from tenantry.members.models import MemberRole, Membership
from tenantry.policy.model import ORGANIZATION, Policy
from tenantry.resources.models import Resource, ResourceExclusion, ResourceGrant
from tenantry.store.db import Database

MODEL = Path(__file__).with_name("verkkokurssikassa.conf")
CHECKOUT = "checkout"
ORG = "org"


class _FastModel(FastModel):  # type: ignore[misc]
    """casbin 1.43's FastModel.add_def drops the result of Model.add_def, so load_model stops
    after the first ``g`` and g2 / g3 go missing; this passes it on."""

    def add_def(self, sec: str, key: str, value: Any) -> Any:
        added = Model.add_def(self, sec, key, value)
        if sec == "p" and key == "p":
            self.model[sec][key].policy = FastPolicy(self._cache_key_order)
        return added


class _FastEnforcer(casbin.FastEnforcer):  # type: ignore[misc]
    def new_model(self, path: str = "", text: str = "") -> Model:
        m = _FastModel(self._cache_key_order)
        if path:
            m.load_model(path)
        else:
            m.load_model_from_text(text)
        return m


@dataclass(frozen=True, slots=True)
class Peer:
    plain: casbin.Enforcer  # the stock enforcer: every p line is matched per request
    fast: casbin.FastEnforcer  # p lines indexed by (permission, target kind)
    lines: int

    @staticmethod
    def request(user: str, permission: str, org: str, target: str) -> tuple[str, ...]:
        kind = ORG if target == org else CHECKOUT
        return (permission, kind, user, org, target)


def policy_lines(policy: Policy) -> list[str]:
    """What each role gives: org roles, checkout roles, and the owner/admin derivation rule."""
    spec = policy.resource_types[CHECKOUT]
    if len(spec.rules) != 1 or not spec.rules[0].removable or spec.caps:
        raise SystemExit("the casbin model covers one removable, cap-free checkout rule only")
    rule = spec.rules[0]
    lines = []
    for role in policy.roles.values():
        if role.scope == ORGANIZATION:
            lines += [f"p, {p}, {ORG}, {role.name}" for p in sorted(role.permissions)]
    for role in spec.roles.values():
        lines += [f"p, {p}, {CHECKOUT}, checkout:{role.name}" for p in sorted(role.permissions)]
    for org_role in sorted(rule.org_roles):
        derived = spec.roles[rule.grant].permissions
        lines += [f"p, {p}, {CHECKOUT}, {org_role}" for p in sorted(derived)]
    return lines


def grouping_lines(db: Database, policy: Policy) -> list[str]:
    """Who holds which role where, read from tenantry's tables."""
    grant = policy.resource_types[CHECKOUT].rules[0].grant
    with db.reading() as s:
        roles = s.execute(
            select(Membership.user_id, MemberRole.role, MemberRole.org_id).join(
                Membership, Membership.id == MemberRole.membership_id
            )
        ).all()
        checkouts = s.execute(
            select(Resource.id, Resource.org_id).where(Resource.type == CHECKOUT)
        ).all()
        grants = s.execute(
            select(Membership.user_id, ResourceGrant.role, ResourceGrant.resource_id).join(
                Membership, Membership.id == ResourceGrant.membership_id
            )
        ).all()
        removed = s.execute(
            select(Membership.user_id, ResourceExclusion.resource_id)
            .join(Membership, Membership.id == ResourceExclusion.membership_id)
            .where(ResourceExclusion.role == grant)
        ).all()
    lines = [f"g, {u}, {r}, {o}" for u, r, o in roles]
    lines += [f"g, {u}, checkout:{r}, {c}" for u, r, c in grants]
    lines += [f"g2, {c}, {o}" for c, o in checkouts]
    lines += [f"g3, {u}, {c}" for u, c in removed]
    return lines


def build_peer(db: Database, policy: Policy, workdir: Path) -> Peer:
    """File-adapter enforcers over a generated policy.csv."""
    lines = policy_lines(policy) + grouping_lines(db, policy)
    csv = workdir / "policy.csv"
    csv.write_text("\n".join(lines) + "\n")
    plain = casbin.Enforcer(str(MODEL), str(csv))
    fast = _FastEnforcer(str(MODEL), str(csv), cache_key_order=[0, 1])
    return Peer(plain, fast, len(lines))
