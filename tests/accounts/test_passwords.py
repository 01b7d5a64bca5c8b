"""Password hashing: argon2 never runs more hashes at once than the machine has cores."""

from __future__ import annotations

import os
import threading
import time

from tenantry.accounts import passwords


def test_no_more_password_hashes_run_at_once_than_there_are_cores(monkeypatch) -> None:
    running, most = [0], [0]
    lock = threading.Lock()

    class SlowHasher:
        def verify(self, stored: str, password: str) -> bool:
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            time.sleep(0.05)
            with lock:
                running[0] -= 1
            return True

    monkeypatch.setattr(passwords, "_hasher", SlowHasher())
    threads = [
        threading.Thread(target=passwords.verify_password, args=("stored", "password"))
        for _ in range(4 * (os.cpu_count() or 2))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most[0] == (os.cpu_count() or 2)
