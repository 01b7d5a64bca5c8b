"""Idempotency-Key: the first answer to a write is kept, in the transaction of the write, so a
retry of the same request gets that answer again and applies nothing twice.

A kept answer is found by ``(scope, key)``: the scope is a hash of the caller's credential
(or of the client address, for calls made before signing in) and the key a hash of the
header. What the database holds cannot be replayed by anyone else: the request fingerprint
is an HMAC and the answer's body and cookies (which may carry a new token) are sealed, both
under a key derived from the credential and the Idempotency-Key, neither of which is stored.
Answers are kept for ``KEPT_FOR`` (24 hours); a key may then be used again.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import delete, select, tuple_, update
from sqlalchemy.orm import Session

from tenantry import clock
from tenantry.errors import Conflict, Invalid
from tenantry.idempotency.models import IdempotentResponse

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
KEPT_FOR = timedelta(hours=24)
# a write that commits before its answer is ready (the invitation mail attempt) holds its key
# with this status until the answer is written just after; past PATIENCE it is given up
PENDING = 0
PATIENCE = timedelta(minutes=10)
PURGE_BATCH = 100
_KEY_SHAPE = re.compile(rf"[ -~]{{1,{MAX_KEY_LENGTH}}}")  # printable ASCII


class KeyInvalid(Invalid):
    code = "IDEMPOTENCY_KEY_INVALID"


class KeyReused(Invalid):
    code = "IDEMPOTENCY_KEY_REUSED"


class InProgress(Conflict):
    code = "IDEMPOTENCY_IN_PROGRESS"


class AnswerLost(Conflict):
    code = "IDEMPOTENCY_ANSWER_LOST"


def check_key(key: str) -> str:
    """The key as sent, or KeyInvalid: 1 to 255 printable ASCII characters."""
    if not _KEY_SHAPE.fullmatch(key):
        raise KeyInvalid(
            f"The {HEADER} header must be 1 to {MAX_KEY_LENGTH} printable ASCII characters "
            "(a random UUID is a good key).",
            header=HEADER,
        )
    return key


@dataclass(frozen=True, slots=True)
class Keyed:
    """One request under an Idempotency-Key: where its answer is kept and how it is sealed."""

    scope: str
    key: str  # the hash of the header's value
    request_hash: str
    seal: bytes  # a Fernet key

    @classmethod
    def of(cls, *, caller: str, key: str, method: str, target: str, body: bytes) -> Keyed:
        """``caller`` is the credential the route authenticates with, or ``client:<address>``;
        ``target`` is the path and query; ``body`` the raw body (JSON is compared by value)."""
        secret = hmac.new(key.encode(), caller.encode(), hashlib.sha256).digest()
        request = b"\n".join((method.upper().encode(), target.encode(), _canonical(body)))
        return cls(
            scope=_digest(b"scope", caller.encode()),
            key=_digest(b"key", key.encode()),
            request_hash=hmac.new(secret, b"request\n" + request, hashlib.sha256).hexdigest(),
            seal=base64.urlsafe_b64encode(hmac.new(secret, b"seal", hashlib.sha256).digest()),
        )


@dataclass(frozen=True, slots=True)
class Answer:
    """A response as kept: status, headers (name, value) and body."""

    status_code: int
    headers: list[tuple[str, str]]
    body: bytes


def find(session: Session, keyed: Keyed) -> IdempotentResponse | None:
    """The live (not expired) row under this scope and key."""
    row = session.get(IdempotentResponse, (keyed.scope, keyed.key))
    if row is None or row.created_at <= clock.now() - KEPT_FOR:
        return None
    return row


def answer_of(row: IdempotentResponse, keyed: Keyed) -> Answer:
    """The kept answer to replay for this request: KeyReused if the request differs from
    the first one; InProgress / AnswerLost while the first one's answer is not written."""
    if not hmac.compare_digest(row.request_hash, keyed.request_hash):
        raise KeyReused(
            f"This {HEADER} was already used for a different request (another body, method "
            "or path); use a new key for a new request.",
            header=HEADER,
        )
    if row.status_code == PENDING:
        if row.created_at > clock.now() - PATIENCE:
            raise InProgress(
                f"A request with this {HEADER} was applied and its answer is being prepared; "
                "send it again in a moment.",
                retry_after=1,
            )
        raise AnswerLost(
            f"A request with this {HEADER} was applied, but its answer was not kept; read the "
            "current state instead of sending it again.",
        )
    try:
        sealed = json.loads(Fernet(keyed.seal).decrypt(row.body))
    except (InvalidToken, ValueError):  # a row we did not write: never replay a guess
        raise AnswerLost(f"The answer kept under this {HEADER} cannot be read.") from None
    cookies = [("set-cookie", value) for value in sealed["cookies"]]
    headers = [(str(name), str(value)) for name, value in row.headers] + cookies
    return Answer(row.status_code, headers, base64.b64decode(sealed["body"]))


def remember(session: Session, keyed: Keyed, answer: Answer) -> None:
    """Keep the answer in the session's transaction (it commits with the write it answers).
    A concurrent duplicate makes the flush fail on the primary key."""
    _make_room(session, keyed)
    session.add(
        IdempotentResponse(
            scope=keyed.scope,
            key=keyed.key,
            request_hash=keyed.request_hash,
            created_at=clock.now(),
            **_kept(keyed, answer),
        )
    )
    session.flush()


def reserve(session: Session, keyed: Keyed) -> None:
    """Hold the key in the write's transaction when the answer is only known after it
    commits; ``complete`` writes the answer then."""
    _make_room(session, keyed)
    session.add(
        IdempotentResponse(
            scope=keyed.scope,
            key=keyed.key,
            request_hash=keyed.request_hash,
            created_at=clock.now(),
            status_code=PENDING,
            headers=[],
            body=b"",
        )
    )
    session.flush()


def complete(session: Session, keyed: Keyed, answer: Answer) -> None:
    """Write the answer of a key ``reserve`` holds."""
    session.execute(
        update(IdempotentResponse)
        .where(
            IdempotentResponse.scope == keyed.scope,
            IdempotentResponse.key == keyed.key,
            IdempotentResponse.status_code == PENDING,
        )
        .values(**_kept(keyed, answer))
    )


def purge_expired(session: Session, *, now: datetime | None = None) -> int:
    """Delete up to PURGE_BATCH expired rows (skipping rows another transaction holds)."""
    cutoff = (now or clock.now()) - KEPT_FOR
    batch = (
        select(IdempotentResponse.scope, IdempotentResponse.key)
        .where(IdempotentResponse.created_at <= cutoff)
        .limit(PURGE_BATCH)
        .with_for_update(skip_locked=True)
    )
    result = session.execute(
        delete(IdempotentResponse)
        .where(tuple_(IdempotentResponse.scope, IdempotentResponse.key).in_(batch))
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def _make_room(session: Session, keyed: Keyed) -> None:
    """Expired rows go: this key's own (so it may be used again) and a batch of others."""
    now = clock.now()
    session.execute(
        delete(IdempotentResponse)
        .where(
            IdempotentResponse.scope == keyed.scope,
            IdempotentResponse.key == keyed.key,
            IdempotentResponse.created_at <= now - KEPT_FOR,
        )
        .execution_options(synchronize_session=False)
    )
    purge_expired(session, now=now)


def _kept(keyed: Keyed, answer: Answer) -> dict[str, Any]:
    """The columns of a kept answer: status and plain headers in clear, the body and cookies
    (which may carry a token) sealed."""
    plain = [[n, v] for n, v in answer.headers if n.lower() not in ("set-cookie", "content-length")]
    cookies = [v for n, v in answer.headers if n.lower() == "set-cookie"]
    sealed = {"body": base64.b64encode(answer.body).decode(), "cookies": cookies}
    return {
        "status_code": answer.status_code,
        "headers": plain,
        "body": Fernet(keyed.seal).encrypt(json.dumps(sealed).encode()),
    }


def _canonical(body: bytes) -> bytes:
    """JSON bodies compare by value (key order and spacing do not matter); others by bytes."""
    if not body:
        return b""
    try:
        value = json.loads(body)
    except ValueError:
        return b"raw:" + body
    return b"json:" + json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def _digest(label: bytes, value: bytes) -> str:
    return hashlib.sha256(b"tenantry idempotency " + label + b"\n" + value).hexdigest()
