"""Plain-function factories for tests: users, organizations, members, resources."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from tenantry import clock
from tenantry.accounts.models import User
from tenantry.accounts.service import create_user
from tenantry.core import Tenantry
from tenantry.members import service as members
from tenantry.orgs.models import Organization
from tenantry.orgs.service import create_org
from tenantry.resources import service as resources
from tenantry.resources.models import Resource
from tenantry.writes import Actor

_seq = itertools.count(1)
PASSWORD = "correct horse battery staple"


def actor(user: User) -> Actor:
    return Actor(user_id=user.id, label=user.email)


def make_user(
    t: Tenantry,
    email: str | None = None,
    *,
    name: str = "Test User",
    password: str | None = None,
    verified: bool = True,
) -> User:
    """An account; its address counts as confirmed unless ``verified=False`` (tests about
    verification)."""
    with t.db.transaction() as s:
        user = create_user(
            s, email=email or f"user{next(_seq)}@example.com", name=name, password=password
        )
        if verified:
            user.email_verified_at = clock.now()
        return user


def make_org(
    t: Tenantry,
    owner: User,
    name: str = "Acme",
    *,
    kind: str | None = None,
    parent: Organization | None = None,
    seat_cap: int | None = None,
    by: User | None = None,
    as_operator: bool = False,
) -> Organization:
    """An organization created by ``by`` (default: ``owner``, or the operator with
    ``as_operator``: a marketplace distributor), and ``owner`` becomes its owner."""
    creator = by or owner
    with t.db.transaction() as s:
        return create_org(
            s,
            t.authz,
            actor=Actor.operator() if as_operator else actor(creator),
            creator=owner,
            name=name,
            kind=kind,
            parent_id=parent.id if parent else None,
            seat_cap=seat_cap,
        )


def add_member(
    t: Tenantry,
    org: Organization,
    user: User,
    roles: Iterable[str] = (),
    permissions: Iterable[str] = (),
    *,
    by: User | None = None,
) -> None:
    """Add ``user``; by the operator unless ``by`` names the acting member."""
    who = actor(by) if by is not None else Actor.operator()
    with t.db.transaction() as s:
        members.add_member(
            s,
            t.authz,
            actor=who,
            org_id=org.id,
            user_id=user.id,
            roles=roles,
            permissions=permissions,
        )


def make_resource(
    t: Tenantry,
    org: Organization,
    rtype: str,
    name: str,
    *,
    visibility: str | None = None,
    by: User | None = None,
) -> Resource:
    who = actor(by) if by is not None else Actor.operator()
    with t.db.transaction() as s:
        return resources.create_resource(
            s, t.authz, actor=who, org_id=org.id, rtype=rtype, name=name, visibility=visibility
        )


def set_access(t: Tenantry, org_id: str, user_id: str, resource_id: str, role: str | None) -> None:
    """Give a member ``role`` on a resource (None: take their access to it away), as the
    operator ("Edit Checkout Access")."""
    with t.db.transaction() as s:
        resources.set_member_access(
            s,
            t.authz,
            actor=Actor.operator(),
            org_id=org_id,
            user_id=user_id,
            changes=[resources.AccessChange(resource_id, role)],
        )
