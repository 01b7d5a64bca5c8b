"""Listing the resources of an organization a viewer may see, a page at a time.

A page walks the unique index on (org_id, type, name) from its cursor. What the viewer may
see is first narrowed in SQL to a superset worked out from the policy — every resource of a
type they manage, those of the visibilities their roles' rules reach, those given to them by
hand — and then judged exactly by ``can_see`` (a row removed by hand, a role that gives
nothing), so a page reads about ``limit`` rows whatever the organization holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, literal, or_, select, tuple_
from sqlalchemy.orm import Session

from tenantry.authz.loader import resource_node
from tenantry.engine.evaluate import org_mask
from tenantry.engine.snapshot import AccessSnapshot
from tenantry.errors import Invalid
from tenantry.policy.model import Policy
from tenantry.resources.models import Resource
from tenantry.resources.visibility import can_see
from tenantry.store import cursors

MAX_PAGE = 500


@dataclass(frozen=True, slots=True)
class ResourcePage:
    items: list[Resource]
    next_cursor: str | None  # pass back as ``cursor`` for the page after this one


def _reachable(policy: Policy, viewer: AccessSnapshot, rtype: str | None) -> ColumnElement[bool]:
    """Every resource the viewer might see, as SQL (a superset ``can_see`` then judges)."""
    held = org_mask(policy, viewer)
    reach: list[ColumnElement[bool]] = []
    for name, spec in policy.resource_types.items():
        if rtype is not None and name != rtype:
            continue
        if held & policy.permissions[spec.manage_permission].mask:
            reach.append(Resource.type == name)  # manages the type: all of it
            continue
        if not viewer.is_member:
            continue  # resource access is a member's only
        rules = [rule for rule in spec.rules if viewer.roles & rule.org_roles]
        if any(rule.visibility is None for rule in rules):
            reach.append(Resource.type == name)
        elif rules:
            seen = {rule.visibility for rule in rules}
            reach.append(and_(Resource.type == name, Resource.visibility.in_(seen)))
    if viewer.is_member and viewer.resource_roles:
        given = Resource.id.in_(sorted(viewer.resource_roles))
        reach.append(given if rtype is None else and_(given, Resource.type == rtype))
    return or_(*reach) if reach else literal(False)


def resource_page(
    session: Session,
    policy: Policy,
    viewer: AccessSnapshot,
    org_id: str,
    *,
    rtype: str | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> ResourcePage:
    """One page of the resources ``viewer`` may see in ``org_id`` (of ``rtype``, if given),
    by type then name."""
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid(f"A page holds 1 to {MAX_PAGE} resources.")
    if rtype is not None and rtype not in policy.resource_types:
        raise Invalid(f"Unknown resource type {rtype!r}.")
    after: tuple[str, str] | None = None
    if cursor is not None:
        raw_type, raw_name = cursors.decode(cursor, str, str)
        assert isinstance(raw_type, str) and isinstance(raw_name, str)
        after = (raw_type, raw_name)
    query = select(Resource).where(Resource.org_id == org_id, _reachable(policy, viewer, rtype))
    out: list[Resource] = []
    while len(out) <= limit:
        step = query
        if after is not None:
            there = tuple_(
                literal(after[0], Resource.type.type), literal(after[1], Resource.name.type)
            )
            step = query.where(tuple_(Resource.type, Resource.name) > there)
        batch = list(session.scalars(step.order_by(Resource.type, Resource.name).limit(limit + 1)))
        out += [res for res in batch if can_see(policy, viewer, resource_node(res))]
        if len(batch) <= limit:
            break  # the list ends here
        after = (batch[-1].type, batch[-1].name)
    if len(out) <= limit:
        return ResourcePage(out, None)
    last = out[limit - 1]
    return ResourcePage(out[:limit], cursors.encode(last.type, last.name))
