"""A load generator for a server on loopback: raw HTTP/1.1 over keep-alive sockets, the
requests encoded before the clock starts, so the generator spends little of the CPU the
server needs (both share this machine's two cores).

Two shapes:
- ``closed_loop``: a fixed number of connections, each sending its next request as soon as
  the last answer arrived: the throughput one process reaches, and its CPU per request.
- ``open_loop``: requests sent at a fixed rate whatever the server does, each timed from
  the moment it was *due* (not from when a connection was free), so a server that falls
  behind shows its queueing in the percentiles instead of hiding it (coordinated omission).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def encode_post(host: str, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        f"Host: {host}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{k}: {v}" for k, v in headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


@dataclass(slots=True)
class Run:
    """What one run saw: latencies in seconds, answers by status, the elapsed wall time."""

    latencies: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    elapsed: float = 0.0

    @property
    def requests(self) -> int:
        return len(self.latencies)

    @property
    def per_second(self) -> float:
        return self.requests / self.elapsed if self.elapsed else 0.0

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]

    @property
    def median(self) -> float:
        return statistics.median(self.latencies) if self.latencies else float("nan")

    def failures(self) -> int:
        return sum(n for status, n in self.statuses.items() if status != 200)


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> int:
    """Send one request and read its whole answer; its status."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return status


async def _closed(
    host: str, port: int, requests: Sequence[bytes], connections: int, seconds: float
) -> Run:
    run = Run()
    deadline = time.perf_counter() + seconds

    async def one_connection(offset: int) -> None:
        reader, writer = await asyncio.open_connection(host, port)
        i = offset
        try:
            while time.perf_counter() < deadline:
                start = time.perf_counter()
                status = await _exchange(reader, writer, requests[i % len(requests)])
                run.latencies.append(time.perf_counter() - start)
                run.statuses[status] = run.statuses.get(status, 0) + 1
                i += connections
        finally:
            writer.close()

    start = time.perf_counter()
    await asyncio.gather(*(one_connection(c) for c in range(connections)))
    run.elapsed = time.perf_counter() - start
    return run


async def _open(
    host: str, port: int, requests: Sequence[bytes], rate: float, seconds: float, most: int
) -> Run:
    run = Run()
    idle: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    opened = 0
    total = int(rate * seconds)
    start = time.perf_counter()

    async def send(i: int, due: float) -> None:
        nonlocal opened
        if idle.empty() and opened < most:
            opened += 1
            pair = await asyncio.open_connection(host, port)
        else:
            pair = await idle.get()
        status = await _exchange(*pair, requests[i % len(requests)])
        run.latencies.append(time.perf_counter() - due)
        run.statuses[status] = run.statuses.get(status, 0) + 1
        idle.put_nowait(pair)

    tasks = []
    for i in range(total):
        due = start + i / rate
        wait = due - time.perf_counter()
        if wait > 0:
            await asyncio.sleep(wait)
        tasks.append(asyncio.create_task(send(i, due)))
    await asyncio.gather(*tasks)
    run.elapsed = time.perf_counter() - start
    while not idle.empty():
        idle.get_nowait()[1].close()
    return run


def closed_loop(port: int, requests: Sequence[bytes], *, connections: int, seconds: float) -> Run:
    return asyncio.run(_closed("127.0.0.1", port, requests, connections, seconds))


def open_loop(
    port: int, requests: Sequence[bytes], *, rate: float, seconds: float, most: int = 64
) -> Run:
    return asyncio.run(_open("127.0.0.1", port, requests, rate, seconds, most))


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU of every live process in the process group (a server and its
    workers), from /proc."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # after the command: state ppid pgrp ... utime is field 14 of stat, 12th here
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS
