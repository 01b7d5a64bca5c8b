"""In-process caches keyed on organization revisions: access snapshots per (user, org), kept
within a bound in entries and bytes (CLOCK eviction), and each organization's resources.
Entries are dropped when this process commits a change to an organization they were read
from; the Authorizer can also validate them against the database (other nodes' writes)."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterable
from dataclasses import dataclass

from tenantry.engine.snapshot import AccessSnapshot, ResourceNode


def entry_bytes(snap: AccessSnapshot) -> int:
    """About how much memory a cached snapshot holds: the object, its containers and the
    strings in them (ids shared with other entries are counted in each; an upper bound)."""
    size = sys.getsizeof(snap) + sys.getsizeof(getattr(snap, "user_id", ""))
    for name in ("roles", "direct", "cross_roles"):
        held: frozenset[str] = getattr(snap, name, frozenset())
        size += sys.getsizeof(held) + sum(sys.getsizeof(x) for x in held)
    for name in ("resource_roles", "exclusions", "depends_on"):
        table = getattr(snap, name, {})
        size += sys.getsizeof(table) + sum(
            sys.getsizeof(k) + sys.getsizeof(v) for k, v in table.items()
        )
    size += sum(sys.getsizeof(a) + sys.getsizeof(a.roles) for a in getattr(snap, "ancestors", ()))
    return size + _ENTRY_OVERHEAD


# the cache's own dictionaries per entry: the key tuple, the entry, the per-org index slot
_ENTRY_OVERHEAD = 400


@dataclass(slots=True)
class CacheEntry:
    snap: AccessSnapshot
    generation: int | None  # the coherence generation it was last known valid at
    size: int
    used: bool = False  # read since it last came round the clock


class SnapshotCache:
    """Bounded in entries and in (estimated) bytes, evicting by CLOCK (second chance: an
    entry read since the hand last passed it is kept once more), a close approximation of
    least-recently-used whose read costs one flag: a working set above the bound keeps most
    of its hits instead of starting over empty."""

    def __init__(self, max_entries: int = 100_000, max_bytes: int = 256 * 2**20) -> None:
        self._entries: dict[tuple[str, str], CacheEntry] = {}  # in clock order
        self._by_org: dict[str, set[tuple[str, str]]] = {}
        self._lock = threading.Lock()
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.bytes = 0
        self.hits = 0
        self.misses = 0
        self.evictions = 0
        # bumped by every invalidation: a snapshot loaded across one is not kept, or a
        # removal committed while it was being read would be served from the cache after
        self.epoch = 0

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple[str, str]) -> CacheEntry | None:
        """The entry (its snapshot and the coherence generation it was last known valid at),
        marked as used."""
        entry = self._entries.get(key)
        if entry is not None:
            entry.used = True
        return entry

    def put(
        self, key: tuple[str, str], snap: AccessSnapshot, *, epoch: int, generation: int | None
    ) -> None:
        """Keep ``snap``, read after ``epoch`` was observed (and known valid at
        ``generation``), unless anything was invalidated since."""
        size = entry_bytes(snap)
        with self._lock:
            if epoch != self.epoch:
                return
            self._drop(key)
            self._entries[key] = CacheEntry(snap, generation, size)
            self.bytes += size
            for org_id in snap.depends_on:
                self._by_org.setdefault(org_id, set()).add(key)
            while len(self._entries) > 1 and (
                len(self._entries) > self.max_entries or self.bytes > self.max_bytes
            ):
                self._evict_one(key)

    def _evict_one(self, newest: tuple[str, str]) -> None:
        """The clock hand: the oldest entry goes unless it was used since the hand last came
        by (or is the one just put), in which case it moves to the back with its flag cleared
        (the lock is held)."""
        while True:
            oldest = next(iter(self._entries))
            entry = self._entries[oldest]
            if entry.used or oldest == newest:
                entry.used = False
                del self._entries[oldest]
                self._entries[oldest] = entry
                continue
            self._drop(oldest)
            self.evictions += 1
            return

    def _drop(self, key: tuple[str, str]) -> None:
        """Forget one entry and its index slots (the lock is held)."""
        entry = self._entries.pop(key, None)
        if entry is None:
            return
        self.bytes -= entry.size
        for org_id in entry.snap.depends_on:
            keys = self._by_org.get(org_id)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_org[org_id]

    def validated(self, key: tuple[str, str], snap: AccessSnapshot, generation: int) -> None:
        """``snap`` was found current at ``generation``: trust it there without a query."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and entry.snap is snap:
                entry.generation = generation

    def invalidate(self, org_ids: Iterable[str]) -> None:
        with self._lock:
            self.epoch += 1
            for org_id in org_ids:
                for key in list(self._by_org.get(org_id, ())):
                    self._drop(key)

    def clear(self) -> None:
        with self._lock:
            self.epoch += 1
            self._entries.clear()
            self._by_org.clear()
            self.bytes = 0


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
