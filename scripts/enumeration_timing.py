"""The catalogue's G2 figure: sign-up, sign-in and password reset answer a known and an
unknown address with the same status and body, in the same time (medians within ±10% over
1,000 samples a side), measured against a real ``tenantry serve`` on loopback.

    .venv/bin/python scripts/enumeration_timing.py [--samples 1000] [--tolerance 0.10]
        [--only reset]

Each sample is one request from a client address of its own (``X-Forwarded-For`` through a
trusted proxy), so no per-client budget refuses it, and names an address used once, so no
per-address budget does; the budgets themselves are what the tests check. Known and unknown
requests come in pairs, in a random order, with a pause after each (``--gap``, 50 ms) so that
work a request leaves behind once answered (its mail) does not fall on the next one.
Exits 1 when an answer differs or a ratio is outside the tolerance. A benchmark, not a test:
`make test` compares fewer samples with a looser bound (tests/api/test_account_enumeration.py).
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
from sqlalchemy import update

from tenantry import clock
from tenantry.accounts.models import User
from tenantry.accounts.passwords import hash_new_password
from tenantry.accounts.service import create_user
from tenantry.store.db import Database

VENV_BIN = Path(sys.executable).parent
PASSWORD = "the known accounts' password"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Clients:
    """A client address of its own for every request: 10.a.b.c, counting up."""

    def __init__(self) -> None:
        self.n = 0

    def next(self) -> dict[str, str]:
        self.n += 1
        return {"X-Forwarded-For": f"10.{self.n >> 16 & 255}.{self.n >> 8 & 255}.{self.n & 255}"}


def shape(response: httpx.Response, address: str) -> tuple[int, str, tuple[str, ...]]:
    """Status, body with the address taken out, and the header names: what must match."""
    body = response.text.replace(address, "<address>").replace(address.split("@")[0], "<local>")
    names = tuple(sorted(h for h in response.headers if h not in ("date", "content-length")))
    return response.status_code, body, names


Send = Callable[[httpx.Client, str, dict[str, str]], httpx.Response]


def measure(
    http: httpx.Client,
    clients: Clients,
    send: Send,
    known: list[str],
    unknown: list[str],
    gap: float,
) -> tuple[list[float], list[float], set[tuple[int, str, tuple[str, ...]]]]:
    """Each pair in a random order (seeded), with ``gap`` seconds after every request: work
    a request leaves behind once answered (its mail) must not fall on the next one."""
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    shapes = set()
    order = random.Random(20261202)
    for pair in zip(known, unknown, strict=True):
        sides = [("known", pair[0]), ("unknown", pair[1])]
        order.shuffle(sides)
        for side, address in sides:
            started = time.perf_counter()
            response = send(http, address, clients.next())
            times[side].append(time.perf_counter() - started)
            shapes.add(shape(response, address))
            time.sleep(gap)
    return times["known"], times["unknown"], shapes


def accounts(db: Database, prefix: str, count: int, *, confirmed: bool) -> list[str]:
    """Accounts made directly in the database (one argon2 hash for them all)."""
    hashed = hash_new_password(PASSWORD)
    addresses = [f"{prefix}{n}@example.com" for n in range(count)]
    with db.transaction() as s:
        for address in addresses:
            create_user(s, email=address, name="Known", password=hashed)
        if confirmed:
            s.execute(
                update(User).where(User.email.in_(addresses)).values(email_verified_at=clock.now())
            )
    return addresses


def sign_in(c: httpx.Client, address: str, headers: dict[str, str]) -> httpx.Response:
    return c.post(
        "/v1/auth/signin", json={"email": address, "password": "not it at all"}, headers=headers
    )


def sign_up(c: httpx.Client, address: str, headers: dict[str, str]) -> httpx.Response:
    body = {"email": address, "name": "Someone", "password": "a password of theirs"}
    return c.post("/v1/auth/signup", json=body, headers=headers)


def reset(c: httpx.Client, address: str, headers: dict[str, str]) -> httpx.Response:
    return c.post("/v1/auth/password-reset", json={"email": address}, headers=headers)


def wait_healthy(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            raise SystemExit("enumeration timing: the server did not start")
        time.sleep(0.2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=1000, help="requests per side and flow")
    parser.add_argument("--tolerance", type=float, default=0.10)
    parser.add_argument("--only", default="", help="run the flows whose name contains this")
    parser.add_argument("--gap", type=float, default=0.05, help="seconds after each request")
    args = parser.parse_args()
    n = args.samples
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="tenantry-g2-") as tmp:
        url = f"sqlite:///{tmp}/g2.db"
        env = {
            **os.environ,
            "TENANTRY_DATABASE_URL": url,
            "TENANTRY_POLICY": "distribu",
            "TENANTRY_MAILBOX_DIR": f"{tmp}/mailbox",
            "TENANTRY_TRUSTED_PROXIES": "127.0.0.1",
            "TENANTRY_LOG_LEVEL": "warning",
        }
        server = subprocess.Popen(
            [str(VENV_BIN / "tenantry"), "serve", "--port", str(port)], env=env, cwd=tmp
        )
        try:
            wait_healthy(base, server)
            db = Database(url)
            confirmed = accounts(db, "member", n, confirmed=True)
            unconfirmed = accounts(db, "squatted", n, confirmed=False)
            db.dispose()
            flows: list[tuple[str, Send, list[str], str]] = [
                ("sign-in (wrong password)", sign_in, confirmed, "nobody"),
                ("sign-up, confirmed account", sign_up, confirmed, "new"),
                ("sign-up, unconfirmed account", sign_up, unconfirmed, "fresh"),
                ("password reset", reset, confirmed, "stranger"),
            ]
            clients, failed = Clients(), False
            tolerance = f"±{args.tolerance:.0%}"
            print(f"G2 enumeration timing: {n} samples a side, medians within {tolerance}")
            print(f"{'flow':<30} {'known ms':>9} {'unknown ms':>11} {'ratio':>6}  answers  verdict")
            with httpx.Client(base_url=base, timeout=60) as http:
                for name, send, known, prefix in flows:
                    if args.only not in name:
                        continue
                    unknown = [f"{prefix}{i}@example.com" for i in range(n)]
                    k, u, shapes = measure(http, clients, send, known, unknown, args.gap)
                    km, um = statistics.median(k) * 1000, statistics.median(u) * 1000
                    ratio = km / um
                    alike = len(shapes) == 1
                    ok = alike and abs(ratio - 1) <= args.tolerance
                    failed |= not ok
                    answers = "same" if alike else f"{len(shapes)} kinds"
                    verdict = "ok" if ok else "FAILED"
                    print(f"{name:<30} {km:9.1f} {um:11.1f} {ratio:6.3f}  {answers:<7}  {verdict}")
                    if not alike:
                        for status, body, _ in sorted(shapes):
                            print(f"    {status} {body[:160]}")
        finally:
            server.terminate()
            server.wait(timeout=15)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
