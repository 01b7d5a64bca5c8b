"""Who is acting, as an access snapshot: a member, an API key, or the operator."""

from __future__ import annotations

from sqlalchemy.orm import Session

from tenantry.authz.keys import key_snapshot
from tenantry.authz.service import Authorizer
from tenantry.engine.evaluate import org_mask
from tenantry.engine.snapshot import AccessSnapshot
from tenantry.errors import NotFound
from tenantry.writes import Actor


def actor_snapshot(
    session: Session, authz: Authorizer, actor: Actor, org_id: str
) -> AccessSnapshot | None:
    """The actor's fresh access in the org: None for the operator; NotFound for a stranger,
    so that nobody learns an organization exists by being refused in it."""
    if actor.is_operator:
        return None
    if actor.key_id is not None:
        return key_snapshot(session, authz, actor.key_id, org_id)
    assert actor.user_id is not None
    snap = authz.snapshot(actor.user_id, org_id, session)
    if not snap.is_member and not org_mask(authz.policy, snap):
        raise NotFound("No such organization.")
    return snap
