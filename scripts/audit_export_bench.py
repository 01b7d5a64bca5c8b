"""Export a large audit trail through a real ``tenantry serve`` and print the server's peak RSS.

    .venv/bin/python scripts/audit_export_bench.py                 # 1,000,000 events, SQLite
    .venv/bin/python scripts/audit_export_bench.py --events 20000 --format csv
    scripts/with-postgres.sh sh -c '.venv/bin/python scripts/audit_export_bench.py \
        --database-url "$TENANTRY_TEST_DATABASE_URL"'

It writes N chained events for one organization straight into the database (the way record()
chains them, so ``audit verify`` holds), starts a server, streams
``GET /v1/orgs/{org}/audit/export`` to the end, counts the lines, and reads the server's high
water mark of resident memory (VmHWM). Exit status 1 when the peak is over --limit-mb (200)
or a line is missing. Not a timed test: the seconds are printed for information.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import insert, text, update

from tenantry.apikeys import service as apikeys
from tenantry.audit import chain
from tenantry.audit.models import AuditEvent
from tenantry.core import Tenantry
from tenantry.orgs.models import Organization
from tenantry.store.migrate import upgrade
from tenantry.writes import Actor

BATCH = 5000
TENANTRY = str(Path(sys.executable).with_name("tenantry"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def fill(database_url: str, count: int) -> tuple[str, str, int]:
    """An organization with ``count`` more chained events; its id, an API key token and how
    many events its trail holds (with its creation and the key's)."""
    t = Tenantry(database_url, "distribu")
    try:
        from tenantry.accounts.service import create_user
        from tenantry.orgs.service import create_org

        with t.db.transaction() as s:
            owner = create_user(s, email="bench-owner@example.com", name="Owner", password=None)
            org = create_org(
                s, t.authz, actor=Actor.operator(), creator=owner, name="Bench", kind=None
            )
            _, token = apikeys.create_key(
                s, t.authz, actor=Actor.operator(), org_id=org.id, name="bench", roles=["owner"]
            )
        with t.db.reading() as s:
            found = chain.at_head(s, org.id)
        assert found is not None
        seq, head = found[0], found[1] or chain.GENESIS
        start = datetime(2026, 1, 1, tzinfo=UTC)
        written = 0
        while written < count:
            rows = []
            for _ in range(min(BATCH, count - written)):
                seq += 1
                row = {
                    "id": f"{seq:032x}",
                    "org_id": org.id,
                    "seq": seq,
                    "revision": None,  # written straight to the table: no revision bumped
                    "occurred_at": start + timedelta(seconds=seq),
                    "actor_id": owner.id,
                    "actor": owner.email,
                    "ip": "198.51.100.7",
                    "action": "member.roles_changed",
                    "target_type": "member",
                    "target_id": owner.id,
                    "target": f"member{seq}@example.com",
                    "before": {"roles": ["member"]},
                    "after": {"roles": ["admin"]},
                }
                row["prev_hash"] = head
                row["hash"] = head = chain.digest(row, head)
                rows.append(row)
            with t.db.transaction() as s:
                s.execute(insert(AuditEvent), rows)
                s.execute(
                    update(Organization)
                    .where(Organization.id == org.id)
                    .values(audit_seq=seq, audit_head=head)
                )
            written += len(rows)
        return org.id, token, seq
    finally:
        t.close()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--format", choices=("jsonl", "csv"), default="jsonl")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--limit-mb", type=float, default=200.0)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="audit-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    if args.database_url:
        with Tenantry(url, "distribu").db.engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    upgrade(url)
    began = time.monotonic()
    org_id, token, total = fill(url, args.events)
    print(f"wrote {args.events:,} chained events in {time.monotonic() - began:.1f} s", flush=True)

    port = free_port()
    env = {
        **os.environ,
        "TENANTRY_DATABASE_URL": url,
        "TENANTRY_POLICY": "distribu",
        "TENANTRY_SECRET_KEY": "audit-export-bench",
        "TENANTRY_LOG_LEVEL": "warning",
        "TENANTRY_MAILBOX_DIR": str(workdir / "mailbox"),
    }
    up = time.monotonic()
    server = subprocess.Popen(
        [TENANTRY, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        start_new_session=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 600  # a busy machine; the first start checkpoints
        while True:
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError(f"the server did not start (exit status {server.poll()})")
            time.sleep(0.1)
        idle = peak_rss_mb(server.pid)
        print(f"server up after {time.monotonic() - up:.1f} s", flush=True)
        lines = size = 0
        began = time.monotonic()
        headers = {"Authorization": f"Bearer {token}"}
        params = {"format": args.format}
        with httpx.stream(
            "GET",
            f"{base}/v1/orgs/{org_id}/audit/export",
            params=params,
            headers=headers,
            timeout=600,
        ) as response:
            response.raise_for_status()
            streamed = "content-length" not in response.headers
            for chunk in response.iter_bytes():
                lines += chunk.count(b"\n")
                size += len(chunk)
        seconds = time.monotonic() - began
        peak = peak_rss_mb(server.pid)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        if not args.database_url:
            shutil.rmtree(workdir, ignore_errors=True)
    expected = total + (1 if args.format == "csv" else 0)  # the CSV has a header line
    print(
        f"exported {lines:,} lines ({size / 2**20:.1f} MiB, {args.format}) in {seconds:.1f} s; "
        f"streamed (no Content-Length): {streamed}"
    )
    print(f"server peak RSS: {peak:.1f} MB (idle before the export: {idle:.1f} MB)")
    ok = lines == expected and peak < args.limit_mb and streamed
    print("OK" if ok else f"FAILED: expected {expected:,} lines under {args.limit_mb} MB")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
