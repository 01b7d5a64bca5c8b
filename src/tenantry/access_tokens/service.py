"""Access tokens for other services: a signed-in session is exchanged for a short-lived JWT
(ES256) that another service verifies on its own against ``/.well-known/jwks.json``.

A token names its user (``sub``), the session it came from (``sid``) and, when asked for
one organization, that organization (``org_id``) with its revision and the matching
consistency token (``ct``), which a service passes as ``at_least`` when a check must see
everything the token's holder could. Keys rotate: the newest key that is not retired signs;
a retired key stays published until every token it signed has expired.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tenantry import clock, consistency
from tenantry.access_tokens.models import SigningKey
from tenantry.errors import DomainError, Invalid, Kind
from tenantry.sealing import Sealer
from tenantry.writes import Actor, record

ALGORITHM = "ES256"
DEFAULT_TTL = timedelta(minutes=5)
MAX_TTL = timedelta(hours=1)
MIN_TTL = timedelta(seconds=30)


@dataclass(frozen=True, slots=True)
class Issued:
    token: str
    expires_at: datetime
    key_id: str


def _new_key(session: Session, sealer: Sealer) -> SigningKey:
    private = ec.generate_private_key(ec.SECP256R1())
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    kid = secrets.token_hex(16)
    public = json.loads(ECAlgorithm.to_jwk(private.public_key()))
    key = SigningKey(
        id=kid,
        algorithm=ALGORITHM,
        private_sealed=sealer.seal(pem),
        public_jwk={**public, "kid": kid, "use": "sig", "alg": ALGORITHM},
    )
    session.add(key)
    session.flush()
    return key


class SigningKeyUnreadable(DomainError):
    code = "SIGNING_KEY_UNREADABLE"
    kind = Kind.UNAVAILABLE


def _signer(session: Session, sealer: Sealer) -> tuple[SigningKey, str]:
    """The key that signs now and its private PEM; the first key is made when there is
    none. A key this process cannot unseal (sealed under another secret key) is never
    replaced behind the operator's back: processes with different secrets would retire
    each other's keys without end."""
    newest = session.scalars(
        select(SigningKey)
        .where(SigningKey.retired_at.is_(None))
        .order_by(SigningKey.created_at.desc(), SigningKey.id.desc())
        .limit(1)
    ).first()
    if newest is None:
        newest = _new_key(session, sealer)
    pem = sealer.unseal(newest.private_sealed)
    if pem is None:
        raise SigningKeyUnreadable(
            "The access-token signing key was sealed with another secret key: give every "
            "process the same TENANTRY_SECRET_KEY, or run 'tenantry signing-key rotate' with "
            "the one they use."
        )
    return newest, pem


def rotate(session: Session, sealer: Sealer, *, actor: Actor) -> SigningKey:
    """Retire every signing key and make a new one; tokens already issued stay valid until
    they expire (their keys stay published until then)."""
    now = clock.now()
    retired = list(session.scalars(select(SigningKey).where(SigningKey.retired_at.is_(None))))
    for key in retired:
        key.retired_at = now
    key = _new_key(session, sealer)
    record(
        session,
        actor=actor,
        org_id=None,
        action="signing_key.rotated",
        target_type="signing_key",
        target_id=key.id,
        after={"retired": [k.id for k in retired]},
    )
    return key


def published(session: Session) -> list[SigningKey]:
    """The keys a verifier may meet: every one not retired (the signing one first), and
    every one retired less than the longest token lifetime ago, most recently retired
    first."""
    since = clock.now() - MAX_TTL
    query = select(SigningKey).where(
        or_(SigningKey.retired_at.is_(None), SigningKey.retired_at > since)
    )
    keys = list(session.scalars(query))
    return sorted(
        keys,
        key=lambda k: (k.retired_at is not None, -(k.retired_at or k.created_at).timestamp()),
    )


def jwks(session: Session) -> dict[str, Any]:
    return {"keys": [key.public_jwk for key in published(session)]}


def issue(
    session: Session,
    sealer: Sealer,
    *,
    issuer: str,
    user_id: str,
    session_id: str,
    org: tuple[str, int] | None = None,
    audience: str | None = None,
    ttl: timedelta = DEFAULT_TTL,
) -> Issued:
    """A signed token for ``user_id`` from the session ``session_id``; ``org`` is the
    (organization id, revision) it speaks for, which the caller has checked the user may
    reach; ``audience``, the service it is meant for (its ``aud``)."""
    if not MIN_TTL <= ttl <= MAX_TTL:
        raise Invalid(
            f"A token lives {int(MIN_TTL.total_seconds())} to {int(MAX_TTL.total_seconds())} "
            "seconds."
        )
    key, pem = _signer(session, sealer)
    now = clock.now()
    expires = now + ttl
    claims: dict[str, Any] = {
        "iss": issuer,
        "sub": user_id,
        "sid": session_id,
        "iat": int(now.timestamp()),
        "exp": int(expires.timestamp()),
        "jti": secrets.token_hex(16),
    }
    if audience is not None:
        claims["aud"] = audience  # the one service the token is for
    if org is not None:
        org_id, revision = org
        claims |= {
            "org_id": org_id,
            "revision": revision,
            "ct": consistency.encode({org_id: revision}),
        }
    token = jwt.encode(claims, pem, algorithm=ALGORITHM, headers={"kid": key.id})
    return Issued(token, expires, key.id)
