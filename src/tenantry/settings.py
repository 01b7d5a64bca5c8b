"""Settings from ``TENANTRY_*`` environment variables, read once per process (or per test,
via ``load``) with pydantic-settings. A value that does not parse is refused as one line
that names the variable (``SettingsError``), never a traceback."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)
from pydantic_settings.sources.utils import parse_env_vars

from tenantry.errors import Invalid
from tenantry.store.db import DEFAULT_POOL_TIMEOUT

PREFIX = "TENANTRY_"
LogLevel = Literal["critical", "error", "warning", "info", "debug", "trace"]


class SettingsError(Invalid):
    """An environment variable holds a value the service cannot use."""

    code = "INVALID_SETTING"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_ignore_empty=True, frozen=True, extra="ignore"
    )

    database_url: str = "sqlite:///./var/tenantry.db"
    # Distribu's OWNER/ADMIN/MEMBER team is the model most platforms start from, and its
    # page states the most rules (one owner, removal limits, invites, keys, webhooks).
    policy: str = "distribu"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    demo: bool = False
    log_level: LogLevel = "info"
    # "auto": readable lines when stderr is a terminal, JSON lines otherwise
    log_format: Literal["auto", "json", "console"] = "auto"
    # networks whose X-Forwarded-For we believe (comma-separated)
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ()
    secret_key: str | None = None  # seals invitation links kept for re-display
    base_url: str = "http://127.0.0.1:8000"  # where links in emails point (default: host:port)
    invite_expiry_days: int | None = Field(default=None, ge=1)  # overrides the policy's
    smtp_host: str | None = None  # unset: mail goes to the development mailbox folder
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "Tenantry <no-reply@tenantry.invalid>"
    mailbox_dir: str = "./var/mailbox"
    # connections per process; None keeps SQLAlchemy's (5, and 10 more under load)
    db_pool_size: int | None = Field(default=None, ge=1)
    db_max_overflow: int | None = Field(default=None, ge=0)
    # seconds a request waits for a free connection before it is answered 503 RETRY
    db_pool_timeout: float = Field(default=DEFAULT_POOL_TIMEOUT, gt=0)
    secure_cookies: bool = False  # set Secure on cookies (behind HTTPS)
    redis_url: str | None = None  # throttles in Redis instead of the database
    # webhooks: deliver to loopback / private addresses too (tests, closed networks only)
    webhook_allow_private: bool = False
    webhook_retry_base_seconds: float = Field(default=10.0, gt=0)  # doubles on each retry
    webhook_max_attempts: int = Field(default=8, ge=1)
    webhook_disable_after: int = Field(default=15, ge=1)  # failed attempts in a row
    webhook_poll_seconds: float = Field(default=2.0, gt=0)
    webhook_timeout_seconds: float = Field(default=10.0, gt=0)

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None) -> Settings:
        """The settings in ``env`` (default: the process environment), and nothing else:
        ``load({})`` is the defaults whatever this process's environment holds."""
        source = _Environment(cls, os.environ if env is None else env)
        try:
            return cls(**source())
        except ValidationError as exc:
            raise SettingsError(_one_line(exc)) from None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # ``load`` reads the environment it is given; the constructor takes values only
        return (init_settings,)

    @model_validator(mode="before")
    @classmethod
    def _links_follow_the_address(cls, data: Any) -> Any:
        if isinstance(data, dict) and "base_url" not in data:
            host = data.get("host", "127.0.0.1")
            port = data.get("port", 8000)
            data = {**data, "base_url": f"http://{host}:{port}"}
        return data

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _lower_case(cls, value: Any) -> Any:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator("base_url")
    @classmethod
    def _absolute_http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")) or len(value) <= len("https://"):
            raise ValueError("must be an absolute http:// or https:// URL")
        return value.rstrip("/")


class _Environment(EnvSettingsSource):
    """pydantic-settings' environment source over a given mapping instead of ``os.environ``."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = dict(environ)
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(
            self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str
        )


def _one_line(exc: ValidationError) -> str:
    problems = []
    for error in exc.errors():
        name = PREFIX + str(error["loc"][0]).upper() if error["loc"] else PREFIX + "*"
        message = str(error["msg"]).removeprefix("Value error, ")
        problems.append(f"{name}={error['input']!r}: {message[0].lower()}{message[1:]}")
    return "; ".join(problems)
