"""``python -m benchmarks [--quick]``: seed, check both engines agree, time, print one table."""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from benchmarks.agreement import compare
from benchmarks.cases import casbin_cases, dict_cases, tenantry_cases
from benchmarks.dataset import DataSet, Shape, seed
from benchmarks.orgsize import TARGET_RATIO, measure_sizes, size_table
from benchmarks.peer import Peer, build_peer
from benchmarks.pg import ENV, copied_to_postgres, postgres_schema
from benchmarks.report import table
from benchmarks.served import http_table, measure_http
from benchmarks.timing import Case, Result, measure
from benchmarks.workload import Workload, make_workload
from tenantry.core import Tenantry
from tenantry.mail.transports import MailboxTransport
from tenantry.store.migrate import upgrade

POLICY = "verkkokurssikassa"
FULL, QUICK = Shape(50, 40, 20), Shape(3, 8, 4)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        default=os.environ.get("TENANTRY_BENCH_QUICK") == "1",
        help=f"tiny data set ({QUICK}), short repeats: a smoke run (or TENANTRY_BENCH_QUICK=1)",
    )
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument(
        "--sizes",
        default=None,
        help="organization sizes for the size table (default 100,1000,10000; quick: 20,40,80)",
    )
    parser.add_argument(
        "--sizes-only", action="store_true", help="print only the organization-size table"
    )
    parser.add_argument(
        "--http-only", action="store_true", help="print only the HTTP table (a real server)"
    )
    parser.add_argument(
        "--workers", default=None, help="worker counts for the HTTP table (1,2,4; quick: 1,2)"
    )
    return parser.parse_args(argv)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _trio(stack: ExitStack, url: str, workdir: Path) -> tuple[Tenantry, Tenantry, Tenantry]:
    """Three Tenantry instances over one database: the cache trusted (local), validated on
    every check, and kept coherent the way the service does (data version / push)."""
    mail = MailboxTransport(workdir / "mailbox")
    fast = Tenantry(url, POLICY, coherence="local", mail=mail)
    stack.callback(fast.close)
    checked = Tenantry(fast.db, POLICY, coherence="validate", mail=mail)
    stack.callback(checked.authz.close)
    coherent = Tenantry(fast.db, POLICY, coherence="auto", mail=mail)
    stack.callback(coherent.authz.close)
    wait = getattr(coherent.authz.coherence, "wait_connected", None)
    if wait is not None and not wait():
        raise SystemExit("the push-invalidation listener did not connect")
    _say(f"coherent (service) mode here: {coherent.authz.coherence.name}")
    return fast, checked, coherent


def _agree(name: str, t: Tenantry, peer: Peer, data: DataSet, seed_: int, n: int) -> None:
    agreement = compare(t.authz, peer, data, random.Random(seed_), n)
    print(f"agreement ({name} vs casbin): {agreement}", flush=True)
    if not agreement.ok:
        for line in agreement.mismatches:
            print(f"  disagree: {line}", file=sys.stderr)
        raise SystemExit(f"{name} and casbin disagree: the timings would not compare like answers")


def _org_sizes(args: argparse.Namespace) -> None:
    """The organization-size table, on SQLite and (when configured) PostgreSQL."""
    sizes = [
        int(n) for n in (args.sizes or ("20,40,80" if args.quick else "100,1000,10000")).split(",")
    ]
    repeats = 3 if args.quick else 7
    tables = []
    with tempfile.TemporaryDirectory(prefix="tenantry-sizes-") as workdir:
        url = f"sqlite:///{workdir}/sizes.db"
        upgrade(url)
        _say(f"organization sizes {sizes} on SQLite ...")
        tables.append(size_table("tenantry/sqlite", measure_sizes(url, workdir, sizes, repeats)))
        pg_url = os.environ.get(ENV)
        if pg_url:
            _say(f"organization sizes {sizes} on PostgreSQL ...")
            with postgres_schema(pg_url):
                rows = measure_sizes(pg_url, workdir, sizes, repeats)
            tables.append(size_table("tenantry/pg", rows))
    print()
    print("\n\n".join(tables))
    print()
    print(
        f"organization sizes: median of {repeats} requests through the REST API (in-process "
        f"ASGI), every size in one database; ratio = largest size over smallest "
        f"(target <= {TARGET_RATIO:g}x); statements = SQL one request sent at the largest."
    )


def _http(args: argparse.Namespace) -> None:
    """The HTTP table: ``tenantry serve`` on loopback (SQLite, then PostgreSQL), the peer first."""
    seconds, rate = (1.0, 50) if args.quick else (8.0, 500)
    workers = tuple(int(n) for n in (args.workers or ("1,2" if args.quick else "1,2,4")).split(","))
    rows = []
    with tempfile.TemporaryDirectory(prefix="tenantry-http-") as workdir:
        url = f"sqlite:///{workdir}/http.db"
        upgrade(url)
        _say(f"HTTP on SQLite (workers {workers}) ...")
        rows += measure_http(url, Path(workdir), seconds=seconds, rate=rate, workers=workers,
                             peer=True)  # fmt: skip
        pg_url = os.environ.get(ENV)
        if pg_url:
            _say(f"HTTP on PostgreSQL (workers {workers}) ...")
            with postgres_schema(pg_url):
                rows += measure_http(pg_url, Path(workdir), seconds=seconds, rate=rate,
                                     workers=workers, peer=False)  # fmt: skip
    print()
    print(http_table(rows))
    print()
    print(
        f"HTTP: a real server on loopback, {seconds:g} s per row after a warm-up; p50/p99 per "
        f"request (open loop: from the moment each was due); server µs/check = CPU of the "
        f"server's processes (/proc) over the row / checks answered."
    )


def main(argv: list[str] | None = None) -> None:
    args = _parse(argv)
    if args.sizes_only:
        _org_sizes(args)
        return
    if args.http_only:
        _http(args)
        return
    shape = QUICK if args.quick else FULL
    samples, size, repeats, target_s = (200, 100, 3, 0.01) if args.quick else (1000, 1000, 5, 0.15)
    started = time.perf_counter()
    with ExitStack() as stack:
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tenantry-bench-")))
        url = f"sqlite:///{workdir / 'bench.db'}"
        upgrade(url)
        fast, checked, coherent = _trio(stack, url, workdir)
        _say(f"seeding {shape} through the services ...")
        t0 = time.perf_counter()
        data = seed(fast, shape, random.Random(args.seed))
        seeded_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        peer = build_peer(fast.db, fast.policy, workdir)
        peer_s = time.perf_counter() - t0
        print(
            f"data set: {shape} = {len(data.users)} users, {data.membership_count} memberships, "
            f"{sum(map(len, data.checkouts.values()))} checkouts (SQLite file, seeded in "
            f"{seeded_s:.1f} s); casbin: {peer.lines} policy lines, loaded in {peer_s:.2f} s"
        )
        _agree("tenantry/sqlite", fast, peer, data, args.seed + 1, samples)
        work = make_workload(random.Random(args.seed + 2), data, fast.policy, size)
        cases = tenantry_cases("tenantry/sqlite", fast.authz, checked.authz, coherent.authz, work)
        cases += casbin_cases(peer, data.checkouts, work)
        cases += dict_cases(fast.authz, work)
        runs = (repeats, target_s)
        results = _run(cases, *runs)
        cache = fast.authz.cache
        cached = (
            f"snapshot cache after the SQLite rows: {len(cache)} entries, {cache.bytes:,} bytes "
            f"estimated ({cache.bytes // max(len(cache), 1):,} per entry), "
            f"{cache.evictions} evictions"
        )
        pg_url = os.environ.get(ENV)
        if pg_url:
            results += _postgres(pg_url, fast, peer, data, work, args.seed, samples, runs)
        print()
        print(table(results))
        print()
        print(cached)
        print(
            f"{repeats} repeats per row, each ~{target_s:g} s after a warm-up; µs/op is the "
            f"median repeat, ops/s its inverse; queries/op counts the SQL statements sent "
            f"(BEGIN aside) over 50 ops. Whole run {time.perf_counter() - started:.0f} s."
        )
    _http(args)
    _org_sizes(args)


def _run(cases: list[Case], repeats: int, target_s: float) -> list[Result]:
    results = []
    for case in cases:
        _say(f"timing {case.engine}: {case.label}")
        results.append(measure(case, repeats, target_s))
    return results


def _postgres(
    url: str,
    source: Tenantry,
    peer: Peer,
    data: DataSet,
    work: Workload,
    seed_: int,
    samples: int,
    runs: tuple[int, float],
) -> list[Result]:
    _say("copying the data set to PostgreSQL ...")
    with ExitStack() as stack:
        stack.enter_context(copied_to_postgres(url, source.db))
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tenantry-pg-")))
        fast, checked, coherent = _trio(stack, url, workdir)
        _agree("tenantry/pg", fast, peer, data, seed_ + 1, samples)
        cases = tenantry_cases("tenantry/pg", fast.authz, checked.authz, coherent.authz, work)
        return _run(cases, *runs)


if __name__ == "__main__":
    main()
