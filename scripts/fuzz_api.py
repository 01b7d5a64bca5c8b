"""Run schemathesis against a real server: a throwaway SQLite database, `tenantry serve` on a
free loopback port, a signed-up user's bearer token. Exits with schemathesis's status.

    .venv/bin/python scripts/fuzz_api.py [--max-time 60] [extra schemathesis args]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from xml.etree import ElementTree

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def post(url: str, body: dict[str, object], token: str | None = None) -> dict[str, object]:
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"{}")  # type: ignore[no-any-return]


def get(url: str, token: str) -> dict[str, object]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())  # type: ignore[no-any-return]


# Hypothesis, inside schemathesis's coverage phase, now and then fails to describe one of its
# own lambdas (a KeyError raised from hypothesis/internal/lambda_sources.py). That is the
# generator crashing, not the API answering wrongly: such errors are reported and tolerated;
# any failure of a check, or any other error, still fails the run.
GENERATOR_CRASH = "hypothesis/internal/lambda_sources.py"


def verdict(status: int, junit: Path) -> int:
    if status == 0 or not junit.exists():
        return status
    if os.environ.get("FUZZ_KEEP_REPORT"):
        Path(os.environ["FUZZ_KEEP_REPORT"]).write_bytes(junit.read_bytes())
    root = ElementTree.parse(junit).getroot()
    failures = root.findall(".//failure")
    errors = root.findall(".//error")
    crashes = [e for e in errors if GENERATOR_CRASH in (e.text or "") + (e.get("message") or "")]
    if failures or len(crashes) != len(errors):
        return status
    print(f"fuzz: {len(crashes)} generator crash(es) inside hypothesis tolerated; no check failed")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--max-time", default="60")
    parser.add_argument("--policy", default="verkkokurssikassa")
    # a fixed seed: the same cases every run, so a finding is reproducible and CI is stable;
    # pass --seed to explore further
    parser.add_argument("--seed", default="20261123")
    args, extra = parser.parse_known_args()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = {
            **os.environ,
            "TENANTRY_DATABASE_URL": f"sqlite:///{tmp}/fuzz.db",
            "TENANTRY_POLICY": args.policy,
            "TENANTRY_MAILBOX_DIR": f"{tmp}/mailbox",
            "TENANTRY_LOG_LEVEL": "warning",
            "SCHEMATHESIS_HOOKS": str(Path(__file__).with_name("fuzz_hooks.py")),
        }
        server = subprocess.Popen(
            [str(VENV_BIN / "tenantry"), "serve", "--port", str(port)], env=env, cwd=tmp
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(f"{base}/healthz", timeout=1)
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        print("fuzz: the server did not start", file=sys.stderr)
                        return 1
                    time.sleep(0.2)
            account = {"email": "fuzzer@example.com", "password": "fuzzing is fun 123"}
            # sign-up answers alike for every address (202, no session): then sign in
            post(
                f"{base}/v1/auth/signup",
                {**account, "name": "Fuzzer", "organization_name": "Fuzz Org"},
            )
            token = str(post(f"{base}/v1/auth/signin", account)["token"])
            me = get(f"{base}/v1/me", token)
            org_id = str(me["organizations"][0]["org_id"])  # type: ignore[index]
            post(
                f"{base}/v1/orgs/{org_id}/resources",
                {"type": "checkout", "name": "Fuzz checkout"},
                token,
            )
            command = [
                str(VENV_BIN / "schemathesis"),
                "--config-file",
                str(Path(__file__).with_name("fuzz_contract.toml")),
                "run",
                f"{base}/openapi.json",
                "--checks",
                "all",
                "--max-time",
                args.max_time,
                "--workers",
                "1",
                "--seed",
                args.seed,
                "-H",
                f"Authorization: Bearer {token}",
                # signing the fuzzer's own session out (or ending it by its id, which
                # GET /v1/me/sessions shows) would end everything after it
                "--exclude-path-regex",
                r"/v1/auth/signout.*|/v1/me/sessions/\{session_id\}",
                "--report",
                "junit",
                "--report-junit-path",
                f"{tmp}/junit.xml",
                *extra,
            ]
            status = subprocess.call(command, env=env)
            return verdict(status, Path(tmp) / "junit.xml")
        finally:
            server.terminate()
            server.wait(timeout=10)


if __name__ == "__main__":
    raise SystemExit(main())
