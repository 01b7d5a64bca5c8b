"""Barrier-synchronised concurrent requests: K threads, each with its own connection, wait
at one barrier and then send at the same instant, to whichever server each one names."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

from tenantry.client.calls import Call
from tests.cluster.wire import Reply, connection, send

ROUND_TIMEOUT = 60.0  # seconds for one round, barrier included


@dataclass(frozen=True, slots=True)
class Shot:
    """One request of a round: where it goes, what it is, as whom."""

    url: str
    call: Call[Any] | None = None
    token: str | None = None
    headers: dict[str, str] | None = None
    json_body: Any = None
    form: dict[str, str] | None = None
    action: Callable[[], Any] | None = None  # instead of a request: a call in this process


class Racer:
    """Reusable across rounds: slot i keeps one warm connection per server it has used, so
    connection setup never decides who wins."""

    def __init__(self) -> None:
        self._clients: dict[tuple[int, str], httpx.Client] = {}

    def _client(self, slot: int, url: str) -> httpx.Client:
        key = (slot, url)
        if key not in self._clients:
            client = connection(url)
            send(client, Call("GET", "/healthz", None))  # open the connection now
            self._clients[key] = client
        return self._clients[key]

    def race(self, shots: Sequence[Shot]) -> list[Reply | Any]:
        """Send every shot at once; the replies in the order of ``shots``. A shot with an
        ``action`` gives what the action returned (or the exception it raised)."""
        clients = [self._client(i, s.url) if s.call else None for i, s in enumerate(shots)]
        barrier = threading.Barrier(len(shots), timeout=ROUND_TIMEOUT)
        results: list[Any] = [None] * len(shots)

        def fire(i: int) -> None:
            shot = shots[i]
            try:
                barrier.wait()
            except threading.BrokenBarrierError:
                results[i] = Reply(0, None, error="barrier broken")
                return
            if shot.action is not None:
                try:
                    results[i] = shot.action()
                except Exception as exc:
                    results[i] = exc
                return
            client = clients[i]
            assert client is not None and shot.call is not None
            reply = send(client, shot.call, shot.token, shot.headers, shot.json_body, shot.form)
            if not reply.answered:  # a dead connection is not reused next round
                client.close()
                self._clients.pop((i, shot.url), None)
            results[i] = reply

        threads = [threading.Thread(target=fire, args=(i,), daemon=True) for i in range(len(shots))]
        for t in threads:
            t.start()
        for t in threads:
            t.join(ROUND_TIMEOUT)
        stuck = sum(t.is_alive() for t in threads)
        if stuck:
            raise TimeoutError(f"{stuck} of {len(shots)} requests still running after the round")
        return results

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()
