"""In-process caches keyed on organization revisions: access snapshots per (user, org), and
each organization's resources. Entries are dropped when this process commits a change to an
organization they were read from; the Authorizer can also validate them against the
database (other nodes' writes)."""

from __future__ import annotations

import threading
from collections.abc import Iterable

from tenantry.engine.snapshot import AccessSnapshot, ResourceNode


class SnapshotCache:
    def __init__(self, max_entries: int = 100_000) -> None:
        self._entries: dict[tuple[str, str], tuple[AccessSnapshot, int | None]] = {}
        self._by_org: dict[str, set[tuple[str, str]]] = {}
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.hits = 0
        self.misses = 0
        # bumped by every invalidation: a snapshot loaded across one is not kept, or a
        # removal committed while it was being read would be served from the cache after
        self.epoch = 0

    def get(self, key: tuple[str, str]) -> tuple[AccessSnapshot, int | None] | None:
        """The entry and the coherence generation it was last known valid at."""
        return self._entries.get(key)

    def put(
        self, key: tuple[str, str], snap: AccessSnapshot, *, epoch: int, generation: int | None
    ) -> None:
        """Keep ``snap``, read after ``epoch`` was observed (and known valid at
        ``generation``), unless anything was invalidated since."""
        with self._lock:
            if epoch != self.epoch:
                return
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
                self._by_org.clear()
            self._entries[key] = (snap, generation)
            for org_id in snap.depends_on:
                self._by_org.setdefault(org_id, set()).add(key)

    def validated(self, key: tuple[str, str], snap: AccessSnapshot, generation: int) -> None:
        """``snap`` was found current at ``generation``: trust it there without a query."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry[0] is snap:
                self._entries[key] = (snap, generation)

    def invalidate(self, org_ids: Iterable[str]) -> None:
        with self._lock:
            self.epoch += 1
            for org_id in org_ids:
                for key in self._by_org.pop(org_id, ()):
                    self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self.epoch += 1
            self._entries.clear()
            self._by_org.clear()


class ResourceIndex:
    """Each organization's resources, as read at one revision of the organization (every
    resource change bumps it)."""

    def __init__(self, max_orgs: int = 10_000) -> None:
        self._orgs: dict[str, tuple[int, dict[str, ResourceNode]]] = {}
        self._lock = threading.Lock()
        self.max_orgs = max_orgs

    def get(self, org_id: str, revision: int) -> dict[str, ResourceNode] | None:
        entry = self._orgs.get(org_id)
        return entry[1] if entry is not None and entry[0] == revision else None

    def put(self, org_id: str, revision: int, nodes: dict[str, ResourceNode]) -> None:
        with self._lock:
            if len(self._orgs) >= self.max_orgs:
                self._orgs.clear()
            self._orgs[org_id] = (revision, nodes)

    def invalidate(self, org_ids: Iterable[str]) -> None:
        with self._lock:
            for org_id in org_ids:
                self._orgs.pop(org_id, None)
