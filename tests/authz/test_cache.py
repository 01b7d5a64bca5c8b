"""The snapshot cache is bounded in entries and bytes and evicts by CLOCK (an entry read
since the hand last passed stays, the oldest unread one goes); a working set above the
bound keeps a hit rate near bound / working set instead of falling off a cliff (the cache
once cleared itself entirely when full)."""

from __future__ import annotations

import random

from tenantry.authz.cache import SnapshotCache, entry_bytes
from tenantry.engine.snapshot import AccessSnapshot, OrgNode


def _snap(user: str, org: str = "org", roles: int = 1) -> AccessSnapshot:
    node = OrgNode(org, "Org", frozenset({"company"}), None, 1)
    return AccessSnapshot(
        user_id=user,
        org=node,
        is_member=True,
        roles=frozenset(f"role{i}" for i in range(roles)),
        depends_on={org: 1},
    )


def _put(cache: SnapshotCache, snap: AccessSnapshot) -> None:
    cache.put((snap.user_id, snap.org.id), snap, epoch=cache.epoch, generation=0)


def test_the_oldest_entry_not_read_since_is_the_one_evicted():
    cache = SnapshotCache(max_entries=3)
    for user in "abc":
        _put(cache, _snap(user))
    assert cache.get(("a", "org")) is not None  # a was read: it gets a second chance
    _put(cache, _snap("d"))
    assert cache.get(("b", "org")) is None
    assert all(cache.get((u, "org")) is not None for u in "acd")
    assert len(cache) == 3 and cache.evictions == 1


def test_the_byte_bound_holds_and_counts_what_is_kept():
    one = entry_bytes(_snap("u00", roles=5))
    cache = SnapshotCache(max_bytes=one * 10)
    for i in range(50):
        _put(cache, _snap(f"u{i:02d}", roles=5))
        assert cache.bytes <= cache.max_bytes
    assert len(cache) == 10
    assert cache.bytes == sum(entry_bytes(_snap(f"u{i:02d}", roles=5)) for i in range(40, 50))
    assert entry_bytes(_snap("u00", roles=50)) > one  # bigger snapshots weigh more


def test_the_entry_just_put_is_never_the_one_evicted():
    cache = SnapshotCache(max_entries=2)
    _put(cache, _snap("a"))
    _put(cache, _snap("b"))
    cache.get(("a", "org"))
    cache.get(("b", "org"))
    _put(cache, _snap("c"))  # every other entry was read: the hand goes round once
    assert cache.get(("c", "org")) is not None and len(cache) == 2


def test_invalidation_and_eviction_leave_no_index_behind():
    cache = SnapshotCache(max_entries=2)
    _put(cache, _snap("a", "o1"))
    _put(cache, _snap("b", "o2"))
    _put(cache, _snap("c", "o3"))  # evicts a
    cache.invalidate({"o2"})
    assert len(cache) == 1 and cache.get(("c", "o3")) is not None
    assert cache.bytes == entry_bytes(_snap("c", "o3"))
    assert set(cache._by_org) == {"o3"}


def test_a_working_set_above_the_bound_keeps_most_of_its_hits():
    """Random access over 150 keys with room for 100: CLOCK, like LRU, keeps about 100/150
    of the hits.
    Clearing everything when full kept about a third (the cliff)."""
    cache = SnapshotCache(max_entries=100)
    rng = random.Random(7)
    hits = 0
    rounds = 6000
    for _ in range(rounds):
        user = f"u{rng.randrange(150)}"
        if cache.get((user, "org")) is not None:
            hits += 1
        else:
            _put(cache, _snap(user))
    assert hits / rounds > 0.55
    assert len(cache) == 100
