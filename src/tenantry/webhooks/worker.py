"""The background thread that runs delivery rounds while the service runs. Several processes
may run one each: claims lock rows with SKIP LOCKED on PostgreSQL."""

from __future__ import annotations

import logging
import threading

from tenantry.webhooks.delivery import Deliveries

log = logging.getLogger("tenantry.webhooks")


class WebhookWorker:
    def __init__(self, deliveries: Deliveries) -> None:
        self.deliveries = deliveries
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="tenantry-webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=15)

    def _loop(self) -> None:
        while not self._stop.wait(self.deliveries.config.poll_seconds):
            try:
                self.deliveries.run_once()
            except Exception:
                log.exception("webhook delivery round failed; the next one retries")
