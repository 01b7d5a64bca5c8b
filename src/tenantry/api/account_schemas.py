"""Request and response bodies of the account routes: sign-up's neutral answer, account
links, password reset, sessions, two-factor sign-in, the account's own audit trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from tenantry.api.schemas import Email, In, Name, NewPassword, Out, Password, Token, Written


class SignUpAcceptedOut(Out):
    """The same for every address, known or not: it tells nothing about who has an account
    (so it carries no consistency token either: only a new account's organization has one)."""

    email: str = Field(description="The address, normalised, that the email went to.")
    message: str


class LinkIn(In):
    token: Token = Field(
        description="The secret from the emailed link (the part after /verify/, /claim/, ...)."
    )


class ClaimIn(LinkIn):
    password: str = Field(
        min_length=1, max_length=1024, description="The password typed at that sign-up."
    )


class VerifiedOut(Written):
    email: str
    verified: bool


class ResetRequestIn(In):
    email: Email


class ResetIn(In):
    token: Token
    new_password: NewPassword


class ResetDoneOut(Written):
    ended_sessions: int
    message: str


class MessageOut(Written):
    message: str


class SessionOut(Out):
    id: str
    device: str | None = Field(description="The browser or client that signed in (its User-Agent).")
    ip: str | None
    created_at: datetime
    last_active_at: datetime
    current: bool = Field(description="The session this request came with.")


class EndedOut(Written):
    ended: int


class SecondFactorIn(In):
    challenge: Token = Field(description="From the SECOND_FACTOR_REQUIRED answer of sign-in.")
    code: Name = Field(description="The 6-digit code from the app, or an unused recovery code.")


class TwoFactorSetupOut(Written):
    secret: str = Field(description="To type into the app when the QR code cannot be scanned.")
    otpauth_uri: str
    qr_svg: str = Field(description="The QR code, an SVG data URI.")


class CodeIn(In):
    code: Name


class RecoveryCodesOut(Written):
    recovery_codes: list[str] = Field(description="Shown this once; each works once.")


class TwoFactorRequirementIn(In):
    required: bool


class TwoFactorRequirementOut(Written):
    org_id: str
    required: bool


class EmailChangeIn(In):
    new_email: Email
    password: Password


class NameIn(In):
    name: Name


class AccountEventOut(Out):
    id: str
    occurred_at: datetime
    actor: str
    ip: str | None
    action: str
    target: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class AccountDeleteIn(In):
    password: Password


class LeaveOut(Written):
    org_id: str
    left: bool


class DeletedOut(Written):
    left_organizations: int
