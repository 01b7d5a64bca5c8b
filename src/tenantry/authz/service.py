"""Permission checks with a per-(user, organization) cache keyed on organization revisions.

A cached snapshot remembers the revision of every organization it was read from. It is
dropped when this process commits a change to any of them, and (with ``validate=True``,
the default for a service that may run on several nodes) it is compared against the
current revisions in one indexed query before use, so a removed member is never let in
by a stale entry. ``validate=False`` gives zero-round-trip checks for a single process
that does all the writes itself.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry.authz.loader import current_revisions, load_snapshot, resource_node
from tenantry.engine.evaluate import Explanation, explain, org_mask, resource_mask
from tenantry.engine.snapshot import AccessSnapshot, ResourceNode
from tenantry.errors import Invalid, NotFound
from tenantry.members.models import CrossOrgRole, Membership
from tenantry.orgs.models import Organization
from tenantry.policy.model import ORGANIZATION, Policy
from tenantry.resources.models import Resource
from tenantry.store import signals
from tenantry.store.db import Database


@dataclass(frozen=True, slots=True)
class CheckRequest:
    user_id: str
    permission: str
    org_id: str
    resource_id: str | None = None


class SnapshotCache:
    def __init__(self, max_entries: int = 100_000) -> None:
        self._entries: dict[tuple[str, str], AccessSnapshot] = {}
        self._by_org: dict[str, set[tuple[str, str]]] = {}
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0

    def get(self, key: tuple[str, str]) -> AccessSnapshot | None:
        return self._entries.get(key)

    def put(self, key: tuple[str, str], snap: AccessSnapshot) -> None:
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
                self._by_org.clear()
            self._entries[key] = snap
            for org_id in snap.depends_on:
                self._by_org.setdefault(org_id, set()).add(key)

    def invalidate(self, org_ids: Iterable[str]) -> None:
        with self._lock:
            for org_id in org_ids:
                for key in self._by_org.pop(org_id, ()):
                    self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._by_org.clear()


class Authorizer:
    def __init__(self, db: Database, policy: Policy, *, validate: bool = True) -> None:
        self.db = db
        self.policy = policy
        self.validate = validate
        self.cache = SnapshotCache()
        signals.on_commit(self.cache.invalidate)

    def close(self) -> None:
        signals.remove_listener(self.cache.invalidate)

    # -- snapshots ------------------------------------------------------------------------------

    def snapshot(self, user_id: str, org_id: str, session: Session | None = None) -> AccessSnapshot:
        """The user's access in the org; raises NotFound if the organization does not exist."""
        if session is not None:  # inside a write: always read fresh, in that transaction
            snap = load_snapshot(session, self.policy, user_id, org_id)
            if snap is None:
                raise NotFound("No such organization.")
            return snap
        key = (user_id, org_id)
        cached = self.cache.get(key)
        if cached is not None:
            if not self.validate:
                self.cache.hits += 1
                return cached
            with self.db.sessions() as s:
                if current_revisions(s, list(cached.depends_on)) == cached.depends_on:
                    self.cache.hits += 1
                    return cached
        self.cache.misses += 1
        with self.db.sessions() as s:
            snap = load_snapshot(s, self.policy, user_id, org_id)
        if snap is None:
            raise NotFound("No such organization.")
        self.cache.put(key, snap)
        return snap

    def _resource(self, resource_id: str, org_id: str, session: Session | None) -> ResourceNode:
        def read(s: Session) -> ResourceNode:
            res = s.get(Resource, resource_id)
            if res is None or res.org_id != org_id:
                raise NotFound("No such resource in this organization.")
            return resource_node(res)

        if session is not None:
            return read(session)
        with self.db.sessions() as s:
            return read(s)

    def _permission(self, permission: str) -> str:
        if permission not in self.policy.permissions:
            raise Invalid(f"Unknown permission {permission!r} in policy {self.policy.name}.")
        return permission

    # -- checks ---------------------------------------------------------------------------------

    def org_permissions(
        self, user_id: str, org_id: str, session: Session | None = None
    ) -> frozenset[str]:
        return self.policy.ids_of(org_mask(self.policy, self.snapshot(user_id, org_id, session)))

    def resource_permissions(
        self, user_id: str, org_id: str, resource_id: str, session: Session | None = None
    ) -> frozenset[str]:
        snap = self.snapshot(user_id, org_id, session)
        node = self._resource(resource_id, org_id, session)
        return self.policy.ids_of(resource_mask(self.policy, snap, node))

    def check(
        self,
        user_id: str,
        permission: str,
        org_id: str,
        resource_id: str | None = None,
        session: Session | None = None,
    ) -> bool:
        perm = self.policy.permissions[self._permission(permission)]
        snap = self.snapshot(user_id, org_id, session)
        if perm.scope == ORGANIZATION:
            return bool(org_mask(self.policy, snap) & perm.mask)
        if resource_id is None:
            raise Invalid(f"{permission} is a {perm.scope} permission: name the {perm.scope}.")
        node = self._resource(resource_id, org_id, session)
        if node.type != perm.scope:
            raise Invalid(f"{permission} applies to a {perm.scope}, not a {node.type}.")
        return bool(resource_mask(self.policy, snap, node) & perm.mask)

    def check_many(self, requests: list[CheckRequest]) -> list[bool]:
        return [self.check(r.user_id, r.permission, r.org_id, r.resource_id) for r in requests]

    def explain(
        self, user_id: str, permission: str, org_id: str, resource_id: str | None = None
    ) -> Explanation:
        perm = self.policy.permissions[self._permission(permission)]
        snap = self.snapshot(user_id, org_id)
        node = None
        if perm.scope != ORGANIZATION:
            if resource_id is None:
                raise Invalid(f"{permission} is a {perm.scope} permission: name the {perm.scope}.")
            node = self._resource(resource_id, org_id, None)
        return explain(self.policy, snap, permission, node)

    # -- lookups --------------------------------------------------------------------------------

    def lookup_resources(self, user_id: str, permission: str, org_id: str) -> list[ResourceNode]:
        """The resources of the permission's type in the org on which the user holds it."""
        perm = self.policy.permissions[self._permission(permission)]
        if perm.scope == ORGANIZATION:
            raise Invalid(f"{permission} is an organization permission, not a resource one.")
        snap = self.snapshot(user_id, org_id)
        with self.db.sessions() as s:
            rows = s.scalars(
                select(Resource)
                .where(Resource.org_id == org_id, Resource.type == perm.scope)
                .order_by(Resource.name)
            ).all()
        nodes = [resource_node(r) for r in rows]
        return [n for n in nodes if resource_mask(self.policy, snap, n) & perm.mask]

    def lookup_subjects(
        self, permission: str, org_id: str, resource_id: str | None = None
    ) -> list[str]:
        """User ids holding the permission in the org (or on the resource), by any path."""
        self._permission(permission)
        with self.db.sessions() as s:
            if s.get(Organization, org_id) is None:
                raise NotFound("No such organization.")
            candidates = set(
                s.scalars(select(Membership.user_id).where(Membership.org_id == org_id))
            )
            candidates.update(
                s.scalars(select(CrossOrgRole.user_id).where(CrossOrgRole.org_id == org_id))
            )
            reach = max((rule.depth for rule in self.policy.inherit), default=0)
            parent_id = s.scalar(select(Organization.parent_id).where(Organization.id == org_id))
            for _ in range(reach):
                if parent_id is None:
                    break
                candidates.update(
                    s.scalars(select(Membership.user_id).where(Membership.org_id == parent_id))
                )
                candidates.update(
                    s.scalars(select(CrossOrgRole.user_id).where(CrossOrgRole.org_id == parent_id))
                )
                parent_id = s.scalar(
                    select(Organization.parent_id).where(Organization.id == parent_id)
                )
        return sorted(u for u in candidates if self.check(u, permission, org_id, resource_id))
