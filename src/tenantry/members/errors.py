"""Refusals of member operations, each named after the rule that refused."""

from __future__ import annotations

from tenantry.errors import Conflict, NotFound, PermissionDenied


class GrantExceedsOwnPermissions(PermissionDenied):
    """You can only grant permissions (or roles whose permissions) you hold yourself."""

    code = "GRANT_EXCEEDS_OWN_PERMISSIONS"


class RoleNotAssignable(PermissionDenied):
    """The role is never given by invitation or promotion (e.g. OWNER)."""

    code = "ROLE_NOT_ASSIGNABLE"


class CannotManageMember(PermissionDenied):
    """The actor's role does not manage the target's role (admins cannot remove admins)."""

    code = "CANNOT_MANAGE_MEMBER"


class CannotRemoveSelf(PermissionDenied):
    code = "CANNOT_REMOVE_SELF"


class CannotChangeOwnRole(PermissionDenied):
    code = "CANNOT_CHANGE_OWN_ROLE"


class CannotRemoveOwner(PermissionDenied):
    code = "CANNOT_REMOVE_OWNER"


class LastOwner(Conflict):
    """The organization would be left without an owner."""

    code = "LAST_OWNER"


class AlreadyMember(Conflict):
    code = "ALREADY_MEMBER"


class UniqueRoleTaken(Conflict):
    """A unique role (exactly one OWNER) already has its holder."""

    code = "UNIQUE_ROLE_TAKEN"


class SeatLimit(Conflict):
    code = "SEAT_LIMIT"


class NotAMember(Conflict):
    """A request body names someone who is not (or no longer) a member: the request is well
    formed but does not fit the organization as it is now."""

    code = "NOT_A_MEMBER"


class MemberNotFound(NotFound):
    """The user named is not a member of this organization (404 when the path names them)."""
