"""Optional PostgreSQL run: the SQLite data set copied row for row into a schema of its own
(``TENANTRY_BENCH_DATABASE_URL``), dropped again afterwards, so both runs see the same ids."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, insert, select, text

from tenantry.store.db import Database
from tenantry.store.migrate import upgrade
from tenantry.store.registry import metadata

ENV = "TENANTRY_BENCH_DATABASE_URL"


@contextmanager
def postgres_schema(url: str) -> Iterator[None]:
    """A fresh, migrated schema of this process's own; libpq's PGOPTIONS points this
    process's connections at it until the block ends, and it is dropped afterwards."""
    schema = f"tenantry_bench_{os.getpid()}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    saved = os.environ.get("PGOPTIONS")
    os.environ["PGOPTIONS"] = f"-c search_path={schema}"
    try:
        upgrade(url)
        yield
    finally:
        if saved is None:
            os.environ.pop("PGOPTIONS", None)
        else:
            os.environ["PGOPTIONS"] = saved
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@contextmanager
def copied_to_postgres(url: str, source: Database) -> Iterator[None]:
    """A fresh schema (:func:`postgres_schema`) with every table of ``source`` copied in."""
    with postgres_schema(url):
        target = create_engine(url)
        with source.engine.connect() as src, target.begin() as dst:
            for table in metadata.sorted_tables:
                rows = [dict(r) for r in src.execute(select(table)).mappings()]
                if rows:
                    dst.execute(insert(table), rows)
        target.dispose()
        yield
