"""What an API key may do: its own roles / permissions, in its own organization only."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy.orm import Session

from tenantry.apikeys.models import ApiKey
from tenantry.authz.service import Authorizer
from tenantry.engine.snapshot import AccessSnapshot
from tenantry.errors import NotFound


def key_snapshot(session: Session, authz: Authorizer, key_id: str, org_id: str) -> AccessSnapshot:
    """The key as a member holding exactly the roles and permissions it was created with."""
    key = session.get(ApiKey, key_id)
    if key is None or key.revoked_at is not None or key.org_id != org_id:
        raise NotFound("No such organization.")
    org = authz.snapshot(f"apikey:{key_id}", org_id, session)
    return replace(
        org,
        is_member=True,
        roles=frozenset(r for r in key.roles if r in authz.policy.roles),
        direct=frozenset(p for p in key.permissions if p in authz.policy.permissions),
    )
