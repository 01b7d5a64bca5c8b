"""The HTTP table: ``POST /v1/check`` and ``/v1/check/batch`` against a real ``tenantry serve``
process on loopback (1, 2 and 4 worker processes), with the peer in the same run: a minimal
FastAPI app under the same uvicorn that answers the same requests from a dict (a bearer
lookup and a mask AND) — the floor a Python service on this stack stands on.

The data: one organization of 1,000 members (Verkkokurssikassa), three checkouts, every
fifth member a Viewer on the first; the caller is its owner, signed in (a session bearer);
each request asks whether a member (chosen in turn) may view the first checkout. Server CPU
is read from /proc for the server's whole process group over the run, divided by the
requests (or the checks) answered.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx

from benchmarks.loadgen import Run, closed_loop, encode_post, group_cpu_seconds, open_loop
from benchmarks.orgsize import POLICY, Org, seed_org
from benchmarks.report import aligned
from tenantry.core import Tenantry

TENANTRY = Path(sys.executable).with_name("tenantry")
MEMBERS = 1000


@dataclass(frozen=True, slots=True)
class HttpRow:
    engine: str
    label: str
    run: Run
    cpu_s_per_op: float
    ops_per_request: int = 1

    def cells(self) -> list[str]:
        ms = 1e3
        return [
            self.engine,
            self.label,
            f"{self.run.requests * self.ops_per_request:,}",
            f"{self.run.per_second * self.ops_per_request:,.0f}",
            f"{self.run.median * ms:.2f}",
            f"{self.run.percentile(99) * ms:.2f}",
            f"{self.cpu_s_per_op * 1e6:,.0f}",
            str(self.run.failures()),
        ]


HEADERS = ["engine", "row", "checks", "checks/s", "p50 ms", "p99 ms", "server µs/check", "non-200"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextlib.contextmanager
def _process(args: list[str], env: dict[str, str], log: Path, health: str) -> Iterator[int]:
    """Start a server in its own process group; yields the group id once it answers."""
    with log.open("ab") as out:
        proc = subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"the server stopped: {log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(health, timeout=2).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start")
            time.sleep(0.2)
        yield proc.pid
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)


def serve_tenantry(
    url: str, workdir: Path, port: int, workers: int
) -> contextlib.AbstractContextManager[int]:
    env = {
        **os.environ,
        "TENANTRY_DATABASE_URL": url,
        "TENANTRY_POLICY": POLICY,
        "TENANTRY_MAILBOX_DIR": str(workdir / "mailbox"),
        "TENANTRY_LOG_LEVEL": "warning",
        "TENANTRY_SECRET_KEY": "bench-" + "k" * 40,
    }
    args = [str(TENANTRY), "serve", "--port", str(port), "--workers", str(workers)]
    return _process(args, env, workdir / f"serve-{port}.log", f"http://127.0.0.1:{port}/healthz")


def serve_peer(org: Org, workdir: Path, port: int) -> contextlib.AbstractContextManager[int]:
    env = {
        **os.environ,
        "PEER_TOKEN": org.token,
        "PEER_ORG": org.org_id,
        "PEER_CHECKOUT": org.checkout,
        "PEER_VIEWERS": ",".join(org.members[::5]),
        "PEER_MEMBERS": ",".join(org.members),
    }
    args = [sys.executable, "-m", "benchmarks.http_peer", str(port)]
    return _process(args, env, workdir / f"peer-{port}.log", f"http://127.0.0.1:{port}/healthz")


def check_requests(org: Org, port: int, batch: int = 1) -> list[bytes]:
    headers = {"Authorization": f"Bearer {org.token}"}
    host = f"127.0.0.1:{port}"

    def one(member: str) -> dict[str, str]:
        return {
            "user_id": member,
            "org_id": org.org_id,
            "permission": "checkout.view",
            "resource_id": org.checkout,
        }

    if batch == 1:
        return [encode_post(host, "/v1/check", _json(one(m)), headers) for m in org.members]
    members = org.members
    return [
        encode_post(
            host,
            "/v1/check/batch",
            _json({"checks": [one(members[(s + i) % len(members)]) for i in range(batch)]}),
            headers,
        )
        for s in range(0, len(members), 97)
    ]


def _json(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def rows_for(engine: str, pgid: int, org: Org, port: int, seconds: float, rate: int,
             workers: int) -> list[HttpRow]:  # fmt: skip
    """The rows one running server gives: sequential single checks (its CPU per check),
    saturation, the open-loop rate, and batches of 1,000 (the last three with one process)."""
    single = check_requests(org, port)
    closed_loop(port, single, connections=4, seconds=1.0)  # warm: imports, snapshots, pools

    def row(label: str, go: Callable[[], Run], checks_per_request: int = 1) -> HttpRow:
        before = group_cpu_seconds(pgid)
        run = go()
        cpu = group_cpu_seconds(pgid) - before
        return HttpRow(engine, label, run, cpu / max(run.requests * checks_per_request, 1),
                       checks_per_request)  # fmt: skip

    if workers > 1:
        saturated = partial(closed_loop, port, single, connections=16, seconds=seconds)
        return [row(f"single check, 16 connections ({workers} workers)", saturated)]
    rows = [
        row(
            "single check, one at a time",
            partial(closed_loop, port, single, connections=1, seconds=seconds),
        ),
        row(
            "single check, 16 connections",
            partial(closed_loop, port, single, connections=16, seconds=seconds),
        ),
        row(
            f"single check, open loop {rate}/s",
            partial(open_loop, port, single, rate=rate, seconds=seconds, most=64),
        ),
    ]
    batches = check_requests(org, port, batch=1000)
    closed_loop(port, batches, connections=2, seconds=1.0)  # warm, after the single rows
    batched = partial(closed_loop, port, batches, connections=2, seconds=seconds)
    return [*rows, row("batch of 1,000, 2 connections", batched, 1000)]


def measure_http(
    url: str, workdir: Path, *, seconds: float, rate: int, workers: tuple[int, ...], peer: bool
) -> list[HttpRow]:
    """Seed the organization into the migrated database at ``url``, then run every row
    against the peer (when asked) and against ``tenantry serve`` with each worker count."""
    t = Tenantry(url, POLICY, coherence="local")
    try:
        org = seed_org(t, MEMBERS, "http")
        with t.db.engine.connect() as conn:
            conn.exec_driver_sql("ANALYZE")
            conn.commit()
    finally:
        t.close()
    engine = "tenantry/pg" if url.startswith("postgresql") else "tenantry/sqlite"
    rows: list[HttpRow] = []
    if peer:
        port = free_port()
        with serve_peer(org, workdir, port) as pgid:
            rows += rows_for("fastapi+dict", pgid, org, port, seconds, rate, 1)
    for n in workers:
        port = free_port()
        with serve_tenantry(url, workdir, port, n) as pgid:
            rows += rows_for(engine, pgid, org, port, seconds, rate, n)
    return rows


def http_table(rows: list[HttpRow]) -> str:
    return aligned(HEADERS, [r.cells() for r in rows])
