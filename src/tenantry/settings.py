"""Settings from environment variables, read once per process (or per test, via ``load``)."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    policy: str
    host: str
    port: int
    demo: bool
    log_level: str
    trusted_proxies: tuple[str, ...] = ()  # networks whose X-Forwarded-For we believe
    secure_cookies: bool = False  # set Secure on cookies (behind HTTPS)

    @classmethod
    def load(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ) if env is None else env
        return cls(
            database_url=env.get("TENANTRY_DATABASE_URL", "sqlite:///./tenantry.db"),
            # Distribu's OWNER/ADMIN/MEMBER team is the model most platforms start from, and its
            # page states the most rules (one owner, removal limits, invites, keys, webhooks).
            policy=env.get("TENANTRY_POLICY", "distribu"),
            host=env.get("TENANTRY_HOST", "127.0.0.1"),
            port=int(env.get("TENANTRY_PORT", "8000")),
            demo=env.get("TENANTRY_DEMO", "0") in ("1", "true", "yes"),
            log_level=env.get("TENANTRY_LOG_LEVEL", "info"),
            trusted_proxies=tuple(
                p.strip() for p in env.get("TENANTRY_TRUSTED_PROXIES", "").split(",") if p.strip()
            ),
            secure_cookies=env.get("TENANTRY_SECURE_COOKIES", "0") in ("1", "true", "yes"),
        )
