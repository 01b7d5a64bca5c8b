"""The mail an account gets: written to the outbox in the caller's transaction (so it is
sent exactly when what it announces committed), delivered after the answer was sent."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tenantry.mail import outbox
from tenantry.sealing import Sealer


@dataclass(frozen=True, slots=True)
class AccountMail:
    base_url: str  # the dashboard's pages the links open: {base_url}/verify/{token}, ...
    sealer: Sealer

    def url(self, page: str, token: str | None = None) -> str:
        base = f"{self.base_url.rstrip('/')}/{page}"
        return f"{base}/{token}" if token else base

    def _queue(self, session: Session, to: str, subject: str, body: str) -> str:
        message = outbox.enqueue(session, self.sealer, to=to, subject=subject, body=body)
        return message.id

    def verification(self, session: Session, *, to: str, token: str) -> str:
        return self._queue(
            session,
            to,
            "Confirm your email address",
            "Welcome to Tenantry.\n\n"
            f"Confirm that this address is yours: {self.url('verify', token)}\n\n"
            "The link works once and expires in 48 hours. Until you confirm, invitations and "
            "roles sent to this address cannot reach your account.\n"
            "If you did not sign up, ignore this email.\n",
        )

    def already_registered(self, session: Session, *, to: str) -> str:
        return self._queue(
            session,
            to,
            "You already have an account",
            "Someone (perhaps you) tried to sign up with this address, which already has an "
            "account. Nothing was changed.\n\n"
            f"Sign in: {self.url('login')}\n"
            f"Forgot your password? {self.url('forgot')}\n",
        )

    def claim(self, session: Session, *, to: str, token: str) -> str:
        return self._queue(
            session,
            to,
            "Confirm your sign-up",
            "Someone (perhaps you) signed up with this address. An account that never "
            "confirmed this address holds it now.\n\n"
            f"If you signed up just now, confirm it here: {self.url('claim', token)}\n\n"
            "Confirming gives the address to your new account and disables the unconfirmed "
            "one. The link works once and expires in 48 hours. If it was not you, ignore "
            "this email.\n",
        )

    def reset(self, session: Session, *, to: str, token: str) -> str:
        return self._queue(
            session,
            to,
            "Reset your password",
            "Someone (perhaps you) asked to reset the password of this account.\n\n"
            f"Choose a new password: {self.url('reset', token)}\n\n"
            "The link works once and expires in one hour. Setting a new password signs out "
            "every session of the account. If you did not ask for it, ignore this email.\n",
        )

    def email_change(self, session: Session, *, to: str, token: str) -> str:
        return self._queue(
            session,
            to,
            "Confirm your new email address",
            "You asked to use this address for your account.\n\n"
            f"Confirm it: {self.url('confirm-email', token)}\n\n"
            "The link works once and expires in 48 hours. Confirming signs out your other "
            "sessions. If you did not ask for it, ignore this email.\n",
        )
