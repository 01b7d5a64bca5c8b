"""Settings from environment variables, read once per process (or per test, via ``load``)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from tenantry.store.db import DEFAULT_POOL_TIMEOUT


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str
    policy: str
    host: str
    port: int
    demo: bool
    log_level: str
    trusted_proxies: tuple[str, ...] = ()  # networks whose X-Forwarded-For we believe
    secret_key: str | None = None  # seals invitation links kept for re-display
    base_url: str = "http://127.0.0.1:8000"  # where links in emails point
    invite_expiry_days: int | None = None  # overrides the policy's
    smtp_host: str | None = None  # unset: mail goes to the development mailbox folder
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "Tenantry <no-reply@tenantry.invalid>"
    mailbox_dir: str = "./var/mailbox"
    # connections per process; None keeps SQLAlchemy's (5, and 10 more under load)
    db_pool_size: int | None = None
    db_max_overflow: int | None = None
    # seconds a request waits for a free connection before it is answered 503 RETRY
    db_pool_timeout: float = DEFAULT_POOL_TIMEOUT
    secure_cookies: bool = False  # set Secure on cookies (behind HTTPS)
    redis_url: str | None = None  # throttles in Redis instead of the database

    @classmethod
    def load(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ) if env is None else env
        host = env.get("TENANTRY_HOST", "127.0.0.1")
        port = int(env.get("TENANTRY_PORT", "8000"))
        return cls(
            database_url=env.get("TENANTRY_DATABASE_URL", "sqlite:///./var/tenantry.db"),
            # Distribu's OWNER/ADMIN/MEMBER team is the model most platforms start from, and its
            # page states the most rules (one owner, removal limits, invites, keys, webhooks).
            policy=env.get("TENANTRY_POLICY", "distribu"),
            host=host,
            port=port,
            demo=_flag(env.get("TENANTRY_DEMO")),
            log_level=env.get("TENANTRY_LOG_LEVEL", "info"),
            trusted_proxies=tuple(
                p.strip() for p in env.get("TENANTRY_TRUSTED_PROXIES", "").split(",") if p.strip()
            ),
            secure_cookies=_flag(env.get("TENANTRY_SECURE_COOKIES")),
            secret_key=env.get("TENANTRY_SECRET_KEY") or None,
            base_url=env.get("TENANTRY_BASE_URL", f"http://{host}:{port}"),
            invite_expiry_days=int(env["TENANTRY_INVITE_EXPIRY_DAYS"])
            if env.get("TENANTRY_INVITE_EXPIRY_DAYS")
            else None,
            smtp_host=env.get("TENANTRY_SMTP_HOST") or None,
            smtp_port=int(env.get("TENANTRY_SMTP_PORT", "25")),
            smtp_username=env.get("TENANTRY_SMTP_USERNAME") or None,
            smtp_password=env.get("TENANTRY_SMTP_PASSWORD") or None,
            smtp_starttls=_flag(env.get("TENANTRY_SMTP_STARTTLS")),
            mail_from=env.get("TENANTRY_MAIL_FROM", "Tenantry <no-reply@tenantry.invalid>"),
            mailbox_dir=env.get("TENANTRY_MAILBOX_DIR", "./var/mailbox"),
            db_pool_size=_int(env.get("TENANTRY_DB_POOL_SIZE")),
            db_max_overflow=_int(env.get("TENANTRY_DB_MAX_OVERFLOW")),
            db_pool_timeout=float(env.get("TENANTRY_DB_POOL_TIMEOUT") or DEFAULT_POOL_TIMEOUT),
            redis_url=env.get("TENANTRY_REDIS_URL") or None,
        )


def _int(value: str | None) -> int | None:
    return int(value) if value and value.strip() else None


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")
