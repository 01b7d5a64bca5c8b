"""Cluster fixtures: two ``tenantry serve`` processes over the test PostgreSQL.

Each test module names its ``POLICY`` (default distribu) and gets a fresh database and a
fresh cluster for it; every test ends with the invariant checker over the whole database
and the test's ledger of acknowledged writes. On SQLite runs (no
TENANTRY_TEST_DATABASE_URL) every test here is skipped.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from sqlalchemy import text

from tenantry.policy import Policy, load_policy
from tenantry.store.registry import metadata
from tests.cluster import invariants
from tests.cluster.harness import Cluster, running
from tests.cluster.ledger import Ledger
from tests.cluster.profile import Figure, Figures, Profile
from tests.cluster.racing import Racer
from tests.cluster.wire import Node

PG_URL = os.environ.get("TENANTRY_TEST_DATABASE_URL")


@pytest.fixture(scope="session")
def profile() -> Profile:
    return Profile.load()


@pytest.fixture(scope="session")
def figures() -> Figures:
    return Figures(os.environ.get("TENANTRY_SOAK_FIGURES"))


@pytest.fixture(scope="module")
def cluster(
    request: pytest.FixtureRequest, migrated: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    if not PG_URL:
        pytest.skip("cluster tests run on PostgreSQL (TENANTRY_TEST_DATABASE_URL)")
    policy = getattr(request.module, "POLICY", "distribu")
    c = Cluster(PG_URL, policy, tmp_path_factory.mktemp("cluster"))
    with c.engine.begin() as conn:  # a fresh database: the module's policy owns it
        conn.execute(text(f"TRUNCATE {', '.join(t.name for t in metadata.sorted_tables)}"))
    with running(c):
        yield c


@pytest.fixture(scope="module")
def policy(cluster: Cluster) -> Policy:
    return load_policy(cluster.policy)


@pytest.fixture
def ledger() -> Ledger:
    """The test's acknowledged writes (checked after the test, with the invariants)."""
    return Ledger()


@pytest.fixture
def nodes(cluster: Cluster) -> Iterator[list[Node]]:
    """One sequential connection to each server."""
    made = [Node(url) for url in cluster.urls]
    yield made
    for node in made:
        node.close()


@pytest.fixture
def racer() -> Iterator[Racer]:
    r = Racer()
    yield r
    r.close()


@pytest.fixture
def figure(request: pytest.FixtureRequest, figures: Figures, ledger: Ledger) -> Iterator[Figure]:
    """The test's row of the soak table (saved when TENANTRY_SOAK_FIGURES names a file)."""
    f = Figure(request.node.name)
    before = ledger.acknowledged
    yield f
    f.acknowledged = ledger.acknowledged - before
    figures.save(f)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    report = yield
    if report.when == "call":
        item.stash[_FAILED] = report.failed
    return report


_FAILED = pytest.StashKey[bool]()


@pytest.fixture(autouse=True)
def checked(
    request: pytest.FixtureRequest, cluster: Cluster, policy: Policy, ledger: Ledger
) -> Iterator[None]:
    """After every test, whatever it did: the servers are up and the database is sound."""
    yield
    if request.node.stash.get(_FAILED, False):
        for server in cluster.servers:  # what the servers said, next to the failure
            print(f"== {server.name} errors ==\n{server.errors()}")
    cluster.ensure_all_up()
    assert invariants.problems(cluster.engine, policy, ledger) == []
