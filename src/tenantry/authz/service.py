"""Permission checks with a per-(user, organization) cache keyed on organization revisions.

A cached snapshot remembers the revision of every organization it was read from. It is
dropped when this process commits a change to any of them; writes by other processes reach
it through the coherence channel (``authz.coherence``: push invalidation on PostgreSQL, the
data version on SQLite), and while no channel is up every entry is validated against the
current revisions in one indexed query before use. A caller can ask for more: ``at_least``
a write's revisions (its consistency token), or ``full`` validation now.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from tenantry.authz import holders
from tenantry.authz.cache import ResourceIndex, SnapshotCache
from tenantry.authz.coherence import (
    Coherence,
    DataVersionWatch,
    LocalOnly,
    PushInvalidation,
    ValidateEach,
)
from tenantry.authz.loader import current_revisions, load_snapshots, resource_node
from tenantry.consistency import MINIMIZE_LATENCY, Consistency
from tenantry.engine.evaluate import Explanation, explain, org_mask, resource_mask
from tenantry.engine.snapshot import AccessSnapshot, ResourceNode
from tenantry.errors import Invalid, NotFound
from tenantry.orgs.models import Organization
from tenantry.policy.model import ORGANIZATION, Policy
from tenantry.resources.models import Resource
from tenantry.store import signals
from tenantry.store.db import Database

COHERENCE_MODES = ("auto", "push", "data-version", "validate", "local")


@dataclass(frozen=True, slots=True)
class CheckRequest:
    user_id: str
    permission: str
    org_id: str
    resource_id: str | None = None


class Authorizer:
    """``coherence``: "auto" (push on PostgreSQL, data version on a SQLite file, validation
    otherwise), or one of them by name; ``validate=False`` is "local" (one process that makes
    every write itself)."""

    def __init__(
        self, db: Database, policy: Policy, *, validate: bool = True, coherence: str = "auto"
    ) -> None:
        self.db = db
        self.policy = policy
        self.cache = SnapshotCache()
        # permission id -> (scope, bit mask), read on every warm check
        self._bits = {p.id: (p.scope, p.mask) for p in policy.permissions.values()}
        self.resources = ResourceIndex()
        signals.on_commit(self._invalidate)
        self.coherence = self._coherence(coherence if validate else "local")

    def _coherence(self, mode: str) -> Coherence:
        if mode not in COHERENCE_MODES:
            raise Invalid(f"Unknown cache coherence {mode!r}; choose one of {COHERENCE_MODES}.")
        url = make_url(self.db.url)
        on_file = url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:")
        if mode == "auto":
            mode = "push" if self.db.is_postgres else "data-version" if on_file else "validate"
        if mode == "push":
            if not self.db.is_postgres:
                raise Invalid("Push invalidation needs PostgreSQL (LISTEN/NOTIFY).")
            return PushInvalidation(self.db.url, self._invalidate)
        if mode == "data-version":
            if not on_file:
                raise Invalid("The data-version watch needs a SQLite database file.")
            assert url.database is not None
            return DataVersionWatch(url.database)
        return LocalOnly() if mode == "local" else ValidateEach()

    @property
    def validate(self) -> bool:
        return not isinstance(self.coherence, LocalOnly)

    def _invalidate(self, org_ids: set[str]) -> None:
        self.cache.invalidate(org_ids)
        self.resources.invalidate(org_ids)

    def close(self) -> None:
        signals.remove_listener(self._invalidate)
        self.coherence.close()

    # -- snapshots ------------------------------------------------------------------------------

    def snapshot(
        self,
        user_id: str,
        org_id: str,
        session: Session | None = None,
        *,
        consistency: Consistency = MINIMIZE_LATENCY,
    ) -> AccessSnapshot:
        """The user's access in the org; raises NotFound if the organization does not exist."""
        return self.snapshots([(user_id, org_id)], session, consistency=consistency)[
            (user_id, org_id)
        ]

    def snapshots(
        self,
        keys: Iterable[tuple[str, str]],
        session: Session | None = None,
        *,
        consistency: Consistency = MINIMIZE_LATENCY,
    ) -> dict[tuple[str, str], AccessSnapshot]:
        """Snapshots for several (user, org) pairs, each at least as fresh as ``consistency``
        asks: cached ones the coherence channel cannot vouch for are validated together in
        one query, the rest are loaded. Inside a write (``session``) every snapshot is read
        fresh in that transaction."""
        wanted = list(dict.fromkeys(keys))
        if session is not None:
            return self._load_many(session, wanted)
        # read first: an entry known valid at this generation is valid now
        generation = self.coherence.generation()
        found: dict[tuple[str, str], AccessSnapshot] = {}
        doubtful: dict[tuple[str, str], AccessSnapshot] = {}
        for key in wanted:
            entry = self.cache.get(key)
            if entry is None:
                continue
            snap, known_at = entry.snap, entry.generation
            if not consistency.satisfied_by(snap.depends_on):
                continue  # older than the caller's token: read through
            if consistency.full or generation is None or known_at != generation:
                doubtful[key] = snap
            else:
                found[key] = snap
        if doubtful:
            org_ids = sorted({oid for snap in doubtful.values() for oid in snap.depends_on})
            with self.db.engine.connect() as conn:
                current = current_revisions(conn, org_ids)
            for key, snap in doubtful.items():
                if all(current.get(oid) == rev for oid, rev in snap.depends_on.items()):
                    found[key] = snap
                    if generation is not None:
                        self.cache.validated(key, snap, generation)
        self.cache.hits += len(found)
        missing = [key for key in wanted if key not in found]
        if missing:
            self.cache.misses += len(missing)
            epoch = self.cache.epoch
            with self.db.sessions() as s:
                loaded = self._load_many(s, missing)
            for key, snap in loaded.items():
                found[key] = snap
                self.cache.put(key, snap, epoch=epoch, generation=generation)
        return found

    def _load_many(
        self, session: Session, keys: list[tuple[str, str]]
    ) -> dict[tuple[str, str], AccessSnapshot]:
        """Read the snapshots together: the queries of one organization's users at once."""
        by_org: dict[str, list[str]] = {}
        for user_id, org_id in keys:
            by_org.setdefault(org_id, []).append(user_id)
        loaded: dict[tuple[str, str], AccessSnapshot] = {}
        for org_id, user_ids in by_org.items():
            snaps = load_snapshots(session, self.policy, user_ids, org_id)
            if snaps is None:
                raise NotFound("No such organization.")
            loaded.update(((uid, org_id), snap) for uid, snap in snaps.items())
        return {key: loaded[key] for key in keys}

    def _resource(
        self, resource_id: str, snap: AccessSnapshot, session: Session | None
    ) -> ResourceNode:
        """A resource of the snapshot's organization, from the index kept for the revision
        the snapshot was read at (inside a write: read in that transaction)."""
        org_id = snap.org.id
        if session is not None:
            res = session.get(Resource, resource_id)
            if res is None or res.org_id != org_id:
                raise NotFound("No such resource in this organization.")
            return resource_node(res)
        node = self._index(snap).get(resource_id)
        if node is None:
            raise NotFound("No such resource in this organization.")
        return node

    def resource(self, snap: AccessSnapshot, resource_id: str) -> ResourceNode:
        """A resource of the snapshot's organization (NotFound otherwise), from the cache."""
        return self._resource(resource_id, snap, None)

    def _index(self, snap: AccessSnapshot) -> dict[str, ResourceNode]:
        """The resources of the snapshot's organization at the revision it was read at."""
        org_id, revision = snap.org.id, snap.org.revision
        nodes = self.resources.get(org_id, revision)
        if nodes is None:
            with self.db.sessions() as s:
                now = s.scalar(select(Organization.revision).where(Organization.id == org_id))
                rows = s.scalars(select(Resource).where(Resource.org_id == org_id)).all()
                nodes = {r.id: resource_node(r) for r in rows}
            if now == revision:  # only an index of that very revision may be kept for it
                self.resources.put(org_id, revision, nodes)
        return nodes

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
        node = self._resource(resource_id, snap, session)
        return self.policy.ids_of(resource_mask(self.policy, snap, node))

    def check(
        self,
        user_id: str,
        permission: str,
        org_id: str,
        resource_id: str | None = None,
        session: Session | None = None,
        *,
        consistency: Consistency = MINIMIZE_LATENCY,
    ) -> bool:
        if session is None and not consistency.full and not consistency.at_least:
            # the warm path: the generation first (as in ``snapshots``), then the entry; an
            # entry the channel vouches for is answered from its compiled masks
            generation = self.coherence.generation()
            entry = self.cache.get((user_id, org_id))
            if entry is not None and generation is not None and entry.generation == generation:
                self.cache.hits += 1
                known = self._bits.get(permission)
                # masks[None] is the organization's, masks[id] that resource's (with its type):
                # a scope that matches is the decision; anything else goes the long way
                compiled = entry.snap.masks.get(resource_id)
                if known is not None and compiled is not None and compiled[0] == known[0]:
                    return bool(compiled[1] & known[1])
                return self.decide(entry.snap, permission, resource_id, None)
        snap = self.snapshot(user_id, org_id, session, consistency=consistency)
        return self.decide(snap, permission, resource_id, session)

    def check_many(
        self, requests: list[CheckRequest], *, consistency: Consistency = MINIMIZE_LATENCY
    ) -> list[bool]:
        """Many checks; the snapshots they need are validated together in one query."""
        for r in requests:
            self._permission(r.permission)
        snaps = self.snapshots(((r.user_id, r.org_id) for r in requests), consistency=consistency)
        return [
            self.decide(snaps[(r.user_id, r.org_id)], r.permission, r.resource_id, None)
            for r in requests
        ]

    def decide(
        self,
        snap: AccessSnapshot,
        permission: str,
        resource_id: str | None,
        session: Session | None,
    ) -> bool:
        perm = self.policy.permissions.get(permission)
        if perm is None:
            raise Invalid(f"Unknown permission {permission!r} in policy {self.policy.name}.")
        # a cached snapshot keeps its masks (its resources are those of its revision); inside
        # a write the rows may change under it, so they are worked out afresh there
        memo = snap.masks if session is None else {}
        if perm.scope == ORGANIZATION:
            if resource_id is not None:
                raise Invalid(f"{permission} is an organization permission: name no resource.")
            compiled = memo.get(None)
            if compiled is None:
                compiled = memo[None] = (ORGANIZATION, org_mask(self.policy, snap))
            return bool(compiled[1] & perm.mask)
        if resource_id is None:
            raise Invalid(f"{permission} is a {perm.scope} permission: name the {perm.scope}.")
        compiled = memo.get(resource_id)
        if compiled is None:
            node = self._resource(resource_id, snap, session)
            compiled = memo[resource_id] = (node.type, resource_mask(self.policy, snap, node))
        scope, mask = compiled
        if scope != perm.scope:
            raise Invalid(f"{permission} applies to a {perm.scope}, not a {scope}.")
        return bool(mask & perm.mask)

    def explain(
        self,
        user_id: str,
        permission: str,
        org_id: str,
        resource_id: str | None = None,
        *,
        consistency: Consistency = MINIMIZE_LATENCY,
    ) -> Explanation:
        snap = self.snapshot(user_id, org_id, consistency=consistency)
        return self.explain_snapshot(snap, permission, resource_id)

    def explain_snapshot(
        self, snap: AccessSnapshot, permission: str, resource_id: str | None = None
    ) -> Explanation:
        """Why ``snap`` holds (or lacks) the permission; the same snapshot a decision used."""
        perm = self.policy.permissions[self._permission(permission)]
        node = None
        if perm.scope != ORGANIZATION:
            if resource_id is None:
                raise Invalid(f"{permission} is a {perm.scope} permission: name the {perm.scope}.")
            node = self._resource(resource_id, snap, None)
        return explain(self.policy, snap, permission, node)

    # -- lookups --------------------------------------------------------------------------------

    def lookup_resources(
        self,
        user_id: str,
        permission: str,
        org_id: str,
        *,
        consistency: Consistency = MINIMIZE_LATENCY,
    ) -> list[ResourceNode]:
        """The resources of the permission's type in the org on which the user holds it."""
        perm = self.policy.permissions[self._permission(permission)]
        if perm.scope == ORGANIZATION:
            raise Invalid(f"{permission} is an organization permission, not a resource one.")
        snap = self.snapshot(user_id, org_id, consistency=consistency)
        nodes = sorted(self._index(snap).values(), key=lambda n: (n.name, n.id))
        return [
            n
            for n in nodes
            if n.type == perm.scope and resource_mask(self.policy, snap, n) & perm.mask
        ]

    def lookup_subjects(
        self,
        permission: str,
        org_id: str,
        resource_id: str | None = None,
        *,
        consistency: Consistency = MINIMIZE_LATENCY,
        after: str | None = None,
        limit: int | None = None,
    ) -> list[str]:
        """User ids holding the permission in the org (or on the resource), by any path,
        ordered by id: those after ``after``, at most ``limit``. Set-based (``authz.holders``):
        the queries grow with the answer, not the organization. The rows are read now, so the
        answer is at least as fresh as any ``consistency`` asks."""
        perm = self.policy.permissions[self._permission(permission)]
        with self.db.sessions() as s:
            org = s.get(Organization, org_id)
            if org is None:
                raise NotFound("No such organization.")
            if perm.scope == ORGANIZATION:
                if resource_id is not None:
                    raise Invalid(f"{permission} is an organization permission: name no resource.")
                return holders.org_subjects(s, self.policy, org_id, perm, after=after, limit=limit)
            if resource_id is None:
                raise Invalid(f"{permission} is a {perm.scope} permission: name the {perm.scope}.")
            res = s.get(Resource, resource_id)
            if res is None or res.org_id != org_id:
                raise NotFound("No such resource in this organization.")
            if res.type != perm.scope:
                raise Invalid(f"{permission} applies to a {perm.scope}, not a {res.type}.")
            return holders.resource_subjects(
                s, self.policy, resource_node(res), perm, after=after, limit=limit
            )
