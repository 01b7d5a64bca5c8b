"""Why an invitation cannot be used. Unknown and tampered links look the same (404); a link
that existed but is spent says which way (410)."""

from __future__ import annotations

from tenantry.errors import Conflict, DomainError, Kind, NotFound, PermissionDenied


class InvitationNotFound(NotFound):
    code = "INVITE_NOT_FOUND"


class InvitationUsed(DomainError):
    code = "INVITE_USED"
    kind = Kind.GONE


class InvitationExpired(DomainError):
    code = "INVITE_EXPIRED"
    kind = Kind.GONE


class InvitationCancelled(DomainError):
    code = "INVITE_REVOKED"
    kind = Kind.GONE


class InviteEmailMismatch(PermissionDenied):
    """Signed in as someone else than the invited address ("Wrong account")."""

    code = "INVITE_EMAIL_MISMATCH"


class InviterLacksGrant(PermissionDenied):
    """The inviter no longer holds what the invitation gives (re-checked at acceptance)."""

    code = "INVITER_LACKS_GRANT"


class AlreadyInvited(Conflict):
    code = "ALREADY_INVITED"


class InvitationNotPending(Conflict):
    """Managing an invitation that was already accepted (the person is a member now)."""

    code = "INVITE_NOT_PENDING"
