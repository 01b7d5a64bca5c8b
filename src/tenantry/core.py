"""The embeddable entry point: a database, a policy and an authorizer, wired together."""

from __future__ import annotations

from tenantry.authz.service import Authorizer
from tenantry.policy import Policy, load_policy
from tenantry.settings import Settings
from tenantry.store.db import Database
from tenantry.store.migrate import upgrade


class Tenantry:
    """``Tenantry(url, policy)`` gives ``db.transaction()`` for the services and ``authz`` for
    checks. ``validate_cache=False`` suits a single process that makes every write itself."""

    def __init__(
        self,
        database: Database | str,
        policy: Policy | str,
        *,
        validate_cache: bool = True,
    ) -> None:
        self.db = Database(database) if isinstance(database, str) else database
        self.policy = load_policy(policy) if isinstance(policy, str) else policy
        self.authz = Authorizer(self.db, self.policy, validate=validate_cache)

    @classmethod
    def from_settings(cls, settings: Settings | None = None, *, migrate: bool = True) -> Tenantry:
        settings = settings or Settings.load()
        if migrate:
            upgrade(settings.database_url)
        return cls(settings.database_url, settings.policy)

    def close(self) -> None:
        self.authz.close()
        self.db.dispose()
