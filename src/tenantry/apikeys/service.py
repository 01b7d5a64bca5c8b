"""Organization-owned API keys: create (shown once), list, revoke, authenticate."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from tenantry import clock, tokens
from tenantry.apikeys.models import ApiKey
from tenantry.authz.actors import actor_snapshot
from tenantry.authz.service import Authorizer
from tenantry.errors import Invalid, NotFound
from tenantry.members import rules
from tenantry.policy.model import MembershipMode
from tenantry.store.db import Database
from tenantry.text import display_name
from tenantry.writes import Actor, lock_org, record

TOKEN_KIND = "tnk"


def create_key(
    session: Session,
    authz: Authorizer,
    *,
    actor: Actor,
    org_id: str,
    name: str,
    roles: Iterable[str] = (),
    permissions: Iterable[str] = (),
) -> tuple[ApiKey, str]:
    """A new key and its token (returned once, stored only as a hash). The key gets the
    roles / permissions asked for, never more than its creator holds."""
    policy = authz.policy
    lock_org(session, org_id)
    actor_snap = actor_snapshot(session, authz, actor, org_id)
    rules.require(policy, actor_snap, policy.api_keys_permission, "Creating API keys")
    name = display_name(name, "An API key")
    roles, perms = rules.distinct_roles(roles), rules.check_permissions_known(policy, permissions)
    if policy.membership is MembershipMode.PERMISSIONS:
        if not perms:
            raise Invalid("Give the key at least one permission.")
    elif not roles:
        raise Invalid("Give the key a role.")
    if actor_snap is not None:
        rules.check_assignable(policy, actor_snap, roles, actor_snap.org.kinds)
    rules.check_grant_within(policy, actor_snap, policy.mask_of(perms))
    issued = tokens.issue(TOKEN_KIND)
    key = ApiKey(
        org_id=org_id,
        name=name,
        lookup=issued.lookup,
        secret_hash=issued.secret_hash,
        roles=sorted(roles),
        permissions=sorted(perms),
        created_by=actor.user_id,
    )
    session.add(key)
    session.flush()
    record(
        session,
        actor=actor,
        org_id=org_id,
        action="api_key.created",
        target_type="api_key",
        target_id=key.id,
        target=name,
        after={"roles": key.roles, "permissions": key.permissions},
    )
    return key, issued.token


def list_keys(session: Session, org_id: str) -> list[ApiKey]:
    return list(
        session.scalars(
            select(ApiKey)
            .where(ApiKey.org_id == org_id, ApiKey.revoked_at.is_(None))
            .order_by(ApiKey.created_at, ApiKey.id)
        )
    )


def revoke_key(
    session: Session, authz: Authorizer, *, actor: Actor, org_id: str, key_id: str
) -> None:
    policy = authz.policy
    lock_org(session, org_id)
    actor_snap = actor_snapshot(session, authz, actor, org_id)
    rules.require(policy, actor_snap, policy.api_keys_permission, "Revoking API keys")
    key = session.get(ApiKey, key_id)
    if key is None or key.org_id != org_id or key.revoked_at is not None:
        raise NotFound("No such API key in this organization.")
    key.revoked_at = clock.now()
    record(
        session,
        actor=actor,
        org_id=org_id,
        action="api_key.revoked",
        target_type="api_key",
        target_id=key.id,
        target=key.name,
    )


def authenticate(db: Database, token: str) -> ApiKey | None:
    """The live key a bearer token names (detached), or None; "last used" is refreshed in a
    short write of its own at most once a minute."""
    parsed = tokens.parse(TOKEN_KIND, token)
    if parsed is None:
        return None
    lookup, secret = parsed
    with db.reading() as s:
        key = s.scalar(select(ApiKey).where(ApiKey.lookup == lookup))
        if key is None or key.revoked_at is not None or not tokens.matches(secret, key.secret_hash):
            return None
        s.expunge(key)
    now = clock.now()
    if key.last_used_at is None or now - key.last_used_at > timedelta(minutes=1):
        with db.transaction() as s:
            s.execute(update(ApiKey).where(ApiKey.id == key.id).values(last_used_at=now))
        key.last_used_at = now
    return key
