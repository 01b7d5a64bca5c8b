"""``tenantry serve``: migrate, optionally seed the demo, run the HTTP service."""

from __future__ import annotations

import dataclasses
import os
from typing import Annotated

import typer
import uvicorn

from tenantry.api.app import create_app
from tenantry.cli._context import ensure_database_folder, state
from tenantry.core import Tenantry
from tenantry.demo import seed_demo
from tenantry.logs import log_config
from tenantry.settings import Settings
from tenantry.store.migrate import upgrade

_defaults = Settings.load({})


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
) -> None:
    """Migrate the database and run the REST API and dashboard."""
    cli = state(ctx)
    settings = dataclasses.replace(
        Settings.load(),
        database_url=cli.database_url,
        policy=cli.policy_name,
        host=host,
        port=port,
        demo=demo,
        base_url=os.environ.get("TENANTRY_BASE_URL", f"http://{host}:{port}"),
    )
    ensure_database_folder(settings.database_url)
    upgrade(settings.database_url)
    t = Tenantry.from_settings(settings, migrate=False)
    try:
        if demo:
            _print_demo(seed_demo(t))
        url = f"http://{host}:{port}/"
        typer.echo(f"Tenantry ({t.policy.name}) at {url}  (API docs: {url}docs)")
        uvicorn.run(
            create_app(t, settings),
            host=host,
            port=port,
            log_level=settings.log_level,
            log_config=log_config(settings.log_level),
        )
    finally:
        t.close()


def _print_demo(credentials: list[tuple[str, str]]) -> None:
    if not credentials:
        typer.echo("demo: the database already has users; nothing seeded")
        return
    typer.echo("demo accounts (email / password):")
    for email, password in credentials:
        typer.echo(f"  {email}  {password}")
