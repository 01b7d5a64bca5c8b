"""Two-factor sign-in with TOTP (RFC 6238, ``pyotp``): set up with a QR code, enabled once
a code was proved, with ten recovery codes shown once and kept as hashes. Wrong codes are
throttled per account in the store every process shares."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import pyotp
import segno
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from tenantry import clock, tokens
from tenantry.accounts import links, sessions
from tenantry.accounts.models import RecoveryCode, User
from tenantry.accounts.trail import record_account
from tenantry.errors import Conflict, DomainError, Kind
from tenantry.sealing import Sealer
from tenantry.store.db import Database
from tenantry.throttles.errors import TooManyAttempts
from tenantry.throttles.service import Throttle, WindowStore
from tenantry.writes import Actor

ISSUER = "Tenantry"
RECOVERY_CODES = 10
WRONG_CODES = 5  # per account in the window, sign-in and set-up together
WINDOW_SECONDS = 900.0


class WrongCode(DomainError):
    code = "WRONG_CODE"
    kind = Kind.UNAUTHENTICATED


class TwoFactorState(Conflict):
    code = "TWO_FACTOR_STATE"


class TwoFactorRequired(DomainError):
    """An organization requires two-factor sign-in of its members, and this one has none."""

    code = "TWO_FACTOR_REQUIRED"
    kind = Kind.FORBIDDEN


class CodeGuesses:
    """Codes tried since the last right one: every attempt is counted before it is judged,
    so guesses sent in parallel count against each other (counted after a wrong answer,
    all of them would pass a check that still saw none); a right code starts afresh."""

    def __init__(self, store: WindowStore) -> None:
        # the attempt being judged counts too: WRONG_CODES wrong ones pass, the next waits
        self.tried = Throttle(store, "second-factor", WRONG_CODES + 1, WINDOW_SECONDS)

    def attempt(self, user_id: str) -> None:
        self.tried.hit(user_id)
        wait = self.tried.retry_after(user_id)
        if wait is not None:
            raise TooManyAttempts(
                f"Too many wrong codes; try again in {wait} seconds.", retry_after=wait
            )

    def succeeded(self, user_id: str) -> None:
        self.tried.reset(user_id)


def _totp(sealer: Sealer, user: User) -> pyotp.TOTP | None:
    secret = sealer.unseal(user.totp_secret_sealed)
    return pyotp.TOTP(secret) if secret else None


def begin_setup(session: Session, sealer: Sealer, user: User) -> tuple[str, str, str]:
    """A new secret, kept sealed and not yet in force: (secret, otpauth URI, QR code as an
    SVG data URI). Setting up again replaces a secret that was never confirmed."""
    if user.totp_enabled_at is not None:
        raise TwoFactorState("Two-factor sign-in is on already; turn it off first to renew it.")
    secret = pyotp.random_base32()
    user.totp_secret_sealed = sealer.seal(secret)
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)
    qr = segno.make(uri, error="m").svg_data_uri(scale=4)
    return secret, uri, qr


def _new_recovery_codes(session: Session, user_id: str) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = [f"{secrets.token_hex(4)}-{secrets.token_hex(4)}" for _ in range(RECOVERY_CODES)]
    session.add_all(RecoveryCode(user_id=user_id, code_hash=tokens.digest(c)) for c in codes)
    return codes


def _accept_code(totp: pyotp.TOTP, user: User, code: str) -> bool:
    """A code of the current time step, or one step either side (clock drift), and of a
    later step than the last code accepted: a code seen once (over a shoulder, in a
    phishing proxy, or typed to turn two-factor sign-in on) cannot be used again while it
    is still current. An accepted code is spent."""
    if not code.isdigit():
        return False
    now = clock.now()
    current = totp.timecode(now)
    for offset in (-1, 0, 1):
        step = current + offset
        if step > (user.totp_last_step or -1) and hmac.compare_digest(
            totp.at(now, counter_offset=offset), code
        ):
            user.totp_last_step = step
            return True
    return False


def _proves(session: Session, sealer: Sealer, user: User, code: str) -> bool:
    """A current TOTP code not used before, or an unused recovery code, which this
    spends."""
    code = code.strip().replace(" ", "")
    totp = _totp(sealer, user)
    if totp is not None and _accept_code(totp, user, code):
        return True
    row = session.scalar(
        select(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == tokens.digest(code.lower()),
            RecoveryCode.used_at.is_(None),
        )
        .with_for_update()
    )
    if row is None:
        return False
    row.used_at = clock.now()
    return True


@contextmanager
def guarded(guesses: CodeGuesses, user_id: str) -> Iterator[None]:
    """Count the attempt first, refuse it past the budget, start afresh after a right code:
    wrap it around (outside) the write transaction, since the throttle's store writes in a
    unit of its own."""
    guesses.attempt(user_id)
    yield
    guesses.succeeded(user_id)


def enable(session: Session, sealer: Sealer, user: User, code: str, *, actor: Actor) -> list[str]:
    """Turn it on with a code from the app that scanned the set-up; the recovery codes are
    returned this once and kept only as hashes."""
    if user.totp_enabled_at is not None:
        raise TwoFactorState("Two-factor sign-in is on already.")
    totp = _totp(sealer, user)
    if totp is None:
        raise TwoFactorState("Start the set-up first: it shows the code to scan.")
    # the code is spent here: the same code cannot then sign anyone in while it is current
    if not _accept_code(totp, user, code.strip()):
        raise WrongCode("That code is not right; check the app's clock and try the next one.")
    user.totp_enabled_at = clock.now()
    codes = _new_recovery_codes(session, user.id)
    record_account(session, actor=actor, user_id=user.id, action="account.two_factor_enabled")
    return codes


def disable(session: Session, sealer: Sealer, user: User, code: str, *, actor: Actor) -> None:
    """Turn it off; needs a current code or a recovery code."""
    if user.totp_enabled_at is None:
        raise TwoFactorState("Two-factor sign-in is off already.")
    if not _proves(session, sealer, user, code):
        raise WrongCode("That code is not right.")
    forget(session, user)
    record_account(session, actor=actor, user_id=user.id, action="account.two_factor_disabled")


def forget(session: Session, user: User) -> bool:
    """Remove the account's second factor (secret, recovery codes); whether it had one."""
    had = user.totp_enabled_at is not None or user.totp_secret_sealed is not None
    user.totp_enabled_at = None
    user.totp_secret_sealed = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    return had


def finish_sign_in(
    db: Database,
    sealer: Sealer,
    guesses: CodeGuesses,
    *,
    challenge: str,
    code: str,
    ip: str | None,
) -> sessions.Signed:
    """The second step of a sign-in: the challenge the password step answered, and a code.
    A wrong code leaves the challenge usable (until the throttle or its five minutes end)."""
    with db.reading() as s:
        row = links.find(s, links.SECOND_FACTOR, challenge)
        links.check_usable(row)
        user_id = row.user_id
    assert user_id is not None
    guesses.attempt(user_id)
    signed = None
    with db.transaction() as s:
        row = links.find(s, links.SECOND_FACTOR, challenge, lock=True)
        links.check_usable(row)
        user = s.get(User, user_id, with_for_update=True)  # two sign-ins, one code: one wins
        if user is None or not user.is_active or user.totp_enabled_at is None:
            raise links.LinkNotFound("This sign-in is not valid any more; sign in again.")
        if _proves(s, sealer, user, code):
            row.used_at = clock.now()
            agent = (row.payload or {}).get("user_agent")
            signed = sessions.start_session(s, user, ip=ip, user_agent=agent)
    if signed is None:
        raise WrongCode("That code is not right.")
    guesses.succeeded(user_id)
    return signed


def require_for_org(user: User | None, org_requires: bool) -> None:
    if org_requires and user is not None and user.totp_enabled_at is None:
        raise TwoFactorRequired(
            "This organization requires two-factor sign-in of its members. Turn it on in "
            "your account (/account, Two-factor sign-in), then come back.",
            setup="/account#two-factor",
        )
