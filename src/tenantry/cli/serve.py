"""``tenantry serve``: migrate, optionally seed the demo, run the HTTP service (in this
process, or in N worker processes that share the database, the throttles and the sessions)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
import uvicorn

from tenantry import served_at
from tenantry.api.app import create_app
from tenantry.cli._context import ensure_database_folder, sqlite_path, state
from tenantry.core import Tenantry
from tenantry.demo import demo_credentials, seed_demo
from tenantry.logs import log_config, wants_console
from tenantry.settings import Settings
from tenantry.store.migrate import upgrade

_defaults = Settings.load({})
APP_FACTORY = "tenantry.api.app:app_from_environment"  # what each worker process imports
WORKER_START_TIMEOUT = 60  # seconds a worker may take to start before it is restarted


def serve(
    ctx: typer.Context,
    host: Annotated[
        str, typer.Option("--host", envvar="TENANTRY_HOST", help="Interface to listen on.")
    ] = _defaults.host,
    port: Annotated[
        int, typer.Option("--port", envvar="TENANTRY_PORT", help="Port to listen on.")
    ] = _defaults.port,
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            envvar="TENANTRY_DEMO",
            help="Seed a demo organization with sign-in accounts (only into a database with "
            "no users yet) and print the credentials.",
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            "--workers",
            envvar="TENANTRY_WORKERS",
            min=1,
            help="Worker processes on the one port. Each has its own connections and cache; "
            "sessions and throttles are shared through the database (or Redis).",
        ),
    ] = 1,
) -> None:
    """Migrate the database and run the REST API and dashboard."""
    cli = state(ctx)
    settings = cli.settings.model_copy(
        update={
            "database_url": cli.database_url,
            "policy": cli.policy_name,
            "host": host,
            "port": port,
            "demo": demo,
            "base_url": os.environ.get("TENANTRY_BASE_URL") or f"http://{host}:{port}",
        }
    )
    if workers > 1 and settings.secret_key is None and sqlite_path(settings.database_url) is None:
        # every worker must seal and unseal links with one key (SQLite keeps one in a file)
        typer.echo(
            "warning: TENANTRY_SECRET_KEY is not set: the workers share a key that "
            "lasts until this server stops",
            err=True,
        )
        settings = settings.model_copy(update={"secret_key": secrets.token_urlsafe(48)})
    ensure_database_folder(settings.database_url)
    upgrade(settings.database_url)  # once, before any worker starts
    t = Tenantry.from_settings(settings, migrate=False)
    with t.db.transaction() as s:
        served_at.record(s, settings.base_url)
    try:
        if demo:
            _print_demo(t)
        url = f"http://{host}:{port}/"
        typer.echo(f"Tenantry ({t.policy.name}) at {url}  (API docs: {url}docs)")
        if workers == 1:
            uvicorn.run(create_app(t, settings), **server_options(settings))
    finally:
        t.close()
    if workers > 1:
        typer.echo(f"{workers} worker processes")
        with _exported(settings):
            uvicorn.run(
                APP_FACTORY,
                factory=True,
                workers=workers,
                # a worker imports the whole service before it answers the supervisor's first
                # ping: on a loaded host that takes longer than uvicorn's 5 s, and the worker
                # would be killed and restarted for ever
                timeout_worker_healthcheck=WORKER_START_TIMEOUT,
                **server_options(settings),
            )


def server_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options, the same for one process and for every worker. Its own
    proxy-header handling is off: by default it believes X-Forwarded-For (and the scheme)
    from 127.0.0.1 whatever TENANTRY_TRUSTED_PROXIES says, rewriting the client address
    before the service sees it. Only ``api.deps.client_ip`` reads the header, and only from
    the configured proxies."""
    return {
        "host": settings.host,
        "port": settings.port,
        "log_level": settings.log_level,
        "log_config": log_config(settings.log_level, console=wants_console(settings.log_format)),
        "proxy_headers": False,
    }


@contextmanager
def _exported(settings: Settings) -> Iterator[None]:
    """The settings the command line decided, as the environment the workers read them from
    (``Settings.load``); the rest of the environment they inherit as it is."""
    values = {
        "TENANTRY_DATABASE_URL": settings.database_url,
        "TENANTRY_POLICY": settings.policy,
        "TENANTRY_HOST": settings.host,
        "TENANTRY_PORT": str(settings.port),
        "TENANTRY_BASE_URL": settings.base_url,
        "TENANTRY_LOG_LEVEL": settings.log_level,
        "TENANTRY_LOG_FORMAT": settings.log_format,
        **({"TENANTRY_SECRET_KEY": settings.secret_key} if settings.secret_key else {}),
    }
    before = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _print_demo(t: Tenantry) -> None:
    seeded = seed_demo(t)
    if seeded:
        typer.echo("demo accounts (email / password):")
        credentials: list[tuple[str, str | None]] = list(seeded)
    else:
        credentials = demo_credentials(t)
        if not credentials:
            typer.echo("demo: the database already has users and no demo accounts; nothing seeded")
            return
        typer.echo("demo accounts of this database (email / password):")
    for email, password in credentials:
        typer.echo(f"  {email}  {password or '(password changed since the demo was seeded)'}")
