"""Response bodies of the access history route."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from tenantry.api.schemas import Out


class GrantOut(Out):
    kind: str = Field(
        description="role, permission (granted directly), cross_role, resource_role (on "
        "resource_id) or inherited_role (held on the ancestor organization org_id)."
    )
    name: str
    label: str
    since: datetime
    event_id: str = Field(description="The audit event that made the grant.")
    granted_by: str = Field(description="Who made it: email, 'operator' or 'api-key:<name>'.")
    granted_by_id: str | None
    resource_id: str | None = None
    org_id: str | None = None


class PermittedOut(Out):
    permission: str
    label: str
    reasons: list[str] = Field(description="The engine's explanation.")
    grants: list[GrantOut] = Field(description="The grants behind it.")


class UserAccessOut(Out):
    at: datetime
    as_of_event: str | None = Field(description="The last audit event the answer includes.")
    user_id: str
    user: str
    member: bool
    resource_id: str | None = Field(None, description="The resource asked about, if any.")
    grants: list[GrantOut]
    permissions: list[PermittedOut]


class HolderOut(Out):
    user_id: str
    user: str
    member: bool
    reasons: list[str]
    grants: list[GrantOut]


class HoldersOut(Out):
    at: datetime
    as_of_event: str | None
    permission: str
    resource_id: str | None = None
    holders: list[HolderOut]
