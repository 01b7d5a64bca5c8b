"""A background thread that delivers due mail (retries with backoff) while the service runs.
Several nodes may run one each: delivery locks rows with SKIP LOCKED on PostgreSQL."""

from __future__ import annotations

import logging
import threading
from typing import Protocol

log = logging.getLogger("tenantry.mail")


class Deliverer(Protocol):
    def deliver_mail(self, only: list[str] | None = None) -> int: ...


class MailWorker:
    def __init__(self, deliverer: Deliverer, interval: float = 5.0) -> None:
        self.deliverer = deliverer
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tenantry-mail", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                sent = self.deliverer.deliver_mail()
                if sent:
                    log.info("delivered %d queued message(s)", sent)
            except Exception:
                log.exception("mail delivery round failed; will retry")
