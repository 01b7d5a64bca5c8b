"""``tenantry db upgrade``."""

from __future__ import annotations

import typer

from tenantry.cli._context import ensure_database_folder, state
from tenantry.store.migrate import upgrade as migrate

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command()
def upgrade(ctx: typer.Context) -> None:
    """Migrate the database to the latest schema (creating an SQLite file if needed)."""
    url = state(ctx).database_url
    ensure_database_folder(url)
    migrate(url)
    typer.echo("ok: the database schema is up to date")
