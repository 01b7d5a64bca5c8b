"""``tenantry`` with a small connection pool (2 connections, no overflow, 3 s wait), so a
test can show what a burst of requests does to it. Run as a script: the arguments are the
CLI's. (Once the service has pool settings of its own, they can replace this launcher.)"""

from __future__ import annotations

from typing import Any

import sqlalchemy

from tenantry.store import db


def small_pool_engine(url: str, **kwargs: Any) -> sqlalchemy.Engine:
    return sqlalchemy.create_engine(
        url, **{**kwargs, "pool_size": 2, "max_overflow": 0, "pool_timeout": 3}
    )


db.create_engine = small_pool_engine  # type: ignore[attr-defined]

if __name__ == "__main__":
    from tenantry.cli.main import app

    app()
