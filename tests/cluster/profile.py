"""How long the cluster tests run, and the figures they report.

``make test`` runs the bounded default profile; ``make soak`` (scripts/soak.py) sets
TENANTRY_SOAK_ROUNDS / _KILLS / _WIDTH for the long one and collects every test's figures
from the file named by TENANTRY_SOAK_FIGURES, to print them as one table.
"""

from __future__ import annotations

import json
import os
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


@dataclass(frozen=True, slots=True)
class Profile:
    rounds: int  # rounds of each race / ordering test
    kills: int  # SIGKILLs in the crash-under-traffic test
    width: int  # concurrent requests per race round (K)
    terminations: int  # pg_terminate_backend sweeps under traffic

    @property
    def few(self) -> int:
        """Rounds of a test that signs in every round (argon2 makes each one slow)."""
        return max(4, self.rounds // 5)

    @classmethod
    def load(cls) -> Profile:
        kills = _int("TENANTRY_SOAK_KILLS", 4)
        return cls(
            rounds=_int("TENANTRY_SOAK_ROUNDS", 8),
            kills=kills,
            width=_int("TENANTRY_SOAK_WIDTH", 8),
            terminations=_int("TENANTRY_SOAK_TERMINATIONS", max(2, kills // 10)),
        )


@dataclass
class Figure:
    """One test's numbers: the rows of the soak table."""

    test: str
    rounds: int = 0
    misses: int = 0  # stale reads: a request that did not see an acknowledged write
    winners: Counter[int] = field(default_factory=Counter)  # winners per round -> rounds
    kills: int = 0
    terminations: int = 0
    acknowledged: int = 0
    lost: int = 0  # acknowledged writes missing from the database
    server_errors: int = 0  # 5xx other than 503 RETRY
    notes: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, object]:
        return {
            "test": self.test,
            "rounds": self.rounds,
            "misses": self.misses,
            "winners": {str(k): v for k, v in sorted(self.winners.items())},
            "kills": self.kills,
            "terminations": self.terminations,
            "acknowledged": self.acknowledged,
            "lost": self.lost,
            "server_errors": self.server_errors,
            "notes": self.notes,
        }


class Figures:
    def __init__(self, path: str | None) -> None:
        self.path = Path(path) if path else None
        self._lock = threading.Lock()

    def save(self, figure: Figure) -> None:
        if self.path is None:
            return
        with self._lock, self.path.open("a") as out:
            out.write(json.dumps(figure.to_json()) + "\n")
