"""Every endpoint of the API as a typed ``Call``: the one description that both the sync and
the async client send, so neither can drift from the other (or, since the API tests drive
the server through them, from the server)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, TypeAdapter

from tenantry.api import account_schemas, schemas

T = TypeVar("T")


@dataclass(frozen=True)
class Call(Generic[T]):
    method: str
    path: str
    result: Any  # a type TypeAdapter accepts, or None for 204
    json: Any = None
    params: dict[str, Any] = field(default_factory=dict)

    def parse(self, payload: Any) -> T:
        if self.result is None:
            return None  # type: ignore[return-value]
        value: T = TypeAdapter(self.result).validate_python(payload)
        return value


def _body(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_unset=True)


def _params(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


# -- accounts ---------------------------------------------------------------------------------


def sign_up(
    email: str, name: str, password: str, organization_name: str | None = None
) -> Call[account_schemas.SignUpAcceptedOut]:
    """Answered alike for every address (202); sign in afterwards."""
    body = schemas.SignUpIn(
        email=email, name=name, password=password, organization_name=organization_name
    )
    return Call("POST", "/v1/auth/signup", account_schemas.SignUpAcceptedOut, _body(body))


def sign_in(email: str, password: str) -> Call[schemas.SignedInOut]:
    return Call(
        "POST",
        "/v1/auth/signin",
        schemas.SignedInOut,
        _body(schemas.SignInIn(email=email, password=password)),
    )


def sign_out() -> Call[None]:
    return Call("POST", "/v1/auth/signout", None)


def sign_out_everywhere() -> Call[dict[str, int]]:
    return Call("POST", "/v1/auth/signout-everywhere", dict[str, int])


def change_password(
    current: str, new: str, *, end_other_sessions: bool = True
) -> Call[dict[str, int]]:
    body = _body(
        schemas.PasswordChangeIn(
            current_password=current, new_password=new, end_other_sessions=end_other_sessions
        )
    )
    return Call(
        "POST", "/v1/me/password", dict[str, int], body | {"end_other_sessions": end_other_sessions}
    )


def me() -> Call[schemas.MeOut]:
    return Call("GET", "/v1/me", schemas.MeOut)


def policy() -> Call[schemas.PolicyOut]:
    return Call("GET", "/v1/policy", schemas.PolicyOut)


# -- organizations ----------------------------------------------------------------------------


def create_org(
    name: str, kind: str | None = None, parent_id: str | None = None
) -> Call[schemas.OrgOut]:
    return Call(
        "POST",
        "/v1/orgs",
        schemas.OrgOut,
        _body(schemas.OrgIn(name=name, kind=kind, parent_id=parent_id)),
    )


def list_orgs() -> Call[list[schemas.MembershipSummary]]:
    return Call("GET", "/v1/orgs", list[schemas.MembershipSummary])


def get_org(org_id: str) -> Call[schemas.OrgOut]:
    return Call("GET", f"/v1/orgs/{org_id}", schemas.OrgOut)


def update_org(org_id: str, **changes: Any) -> Call[schemas.OrgOut]:
    return Call(
        "PATCH", f"/v1/orgs/{org_id}", schemas.OrgOut, _body(schemas.OrgUpdateIn(**changes))
    )


def delete_org(org_id: str) -> Call[None]:
    return Call("DELETE", f"/v1/orgs/{org_id}", None)


def transfer_ownership(org_id: str, to_user_id: str) -> Call[schemas.OrgOut]:
    return Call(
        "POST", f"/v1/orgs/{org_id}/transfer-ownership", schemas.OrgOut, {"to_user_id": to_user_id}
    )


# -- members ----------------------------------------------------------------------------------


def list_members(
    org_id: str,
    *,
    role: str | None = None,
    permission: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Call[schemas.MemberPage]:
    params = _params(role=role, permission=permission, cursor=cursor, limit=limit)
    return Call("GET", f"/v1/orgs/{org_id}/members", schemas.MemberPage, params=params)


def get_member(org_id: str, user_id: str) -> Call[schemas.MemberOut]:
    return Call("GET", f"/v1/orgs/{org_id}/members/{user_id}", schemas.MemberOut)


def update_member(
    org_id: str,
    user_id: str,
    *,
    roles: list[str] | None = None,
    permissions: list[str] | None = None,
) -> Call[schemas.MemberOut]:
    body = _body(schemas.MemberUpdateIn(roles=roles, permissions=permissions))
    return Call("PATCH", f"/v1/orgs/{org_id}/members/{user_id}", schemas.MemberOut, body)


def remove_member(org_id: str, user_id: str) -> Call[None]:
    return Call("DELETE", f"/v1/orgs/{org_id}/members/{user_id}", None)


def remove_members(org_id: str, user_ids: list[str]) -> Call[None]:
    return Call("POST", f"/v1/orgs/{org_id}/members/remove", None, {"user_ids": user_ids})


# -- checks -----------------------------------------------------------------------------------


def check(
    user_id: str,
    permission: str,
    org_id: str,
    resource_id: str | None = None,
    *,
    explain: bool = False,
    at_least: str | None = None,
    fully_consistent: bool = False,
) -> Call[schemas.CheckOut]:
    """``at_least``: a write's consistency token (``Client.consistency_token``) the answer
    must reflect; ``fully_consistent``: validated against the database now."""
    body = schemas.CheckIn(
        user_id=user_id,
        permission=permission,
        org_id=org_id,
        resource_id=resource_id,
        explain=explain,
        at_least=at_least,
        fully_consistent=fully_consistent,
    )
    extra = {"explain": explain, "fully_consistent": fully_consistent}
    return Call("POST", "/v1/check", schemas.CheckOut, _body(body) | extra)


def check_batch(
    checks: list[schemas.CheckIn], *, at_least: str | None = None, fully_consistent: bool = False
) -> Call[schemas.BatchOut]:
    body: dict[str, Any] = {
        "checks": [c.model_dump(mode="json", exclude_none=True) for c in checks]
    }
    if at_least is not None:
        body["at_least"] = at_least
    if fully_consistent:
        body["fully_consistent"] = True
    return Call("POST", "/v1/check/batch", schemas.BatchOut, body)


# -- API keys ---------------------------------------------------------------------------------


def create_api_key(
    org_id: str, name: str, *, roles: list[str] | None = None, permissions: list[str] | None = None
) -> Call[schemas.KeyCreatedOut]:
    body = {"name": name, "roles": roles or [], "permissions": permissions or []}
    return Call("POST", f"/v1/orgs/{org_id}/api-keys", schemas.KeyCreatedOut, body)


def list_api_keys(org_id: str) -> Call[list[schemas.KeyOut]]:
    return Call("GET", f"/v1/orgs/{org_id}/api-keys", list[schemas.KeyOut])


def revoke_api_key(org_id: str, key_id: str) -> Call[None]:
    return Call("DELETE", f"/v1/orgs/{org_id}/api-keys/{key_id}", None)


# -- audit ------------------------------------------------------------------------------------


def audit_events(
    org_id: str,
    *,
    action: str | None = None,
    actor_id: str | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Call[schemas.AuditPage]:
    params = _params(action=action, actor_id=actor_id, cursor=cursor, limit=limit)
    return Call("GET", f"/v1/orgs/{org_id}/audit", schemas.AuditPage, params=params)


def verify_audit(
    org_id: str, *, anchor_seq: int | None = None, anchor_hash: str | None = None
) -> Call[schemas.AuditVerifyOut]:
    params = _params(anchor_seq=anchor_seq, anchor_hash=anchor_hash)
    return Call("GET", f"/v1/orgs/{org_id}/audit/verify", schemas.AuditVerifyOut, params=params)


def changes(
    org_id: str, *, after: int | str = 0, limit: int | None = None, wait: float | None = None
) -> Call[schemas.ChangesPage]:
    params = _params(after=str(after), limit=limit, wait=wait)
    return Call("GET", f"/v1/orgs/{org_id}/changes", schemas.ChangesPage, params=params)


# -- resources --------------------------------------------------------------------------------


def create_resource(
    org_id: str, type: str, name: str, visibility: str | None = None
) -> Call[schemas.ResourceOut]:
    body = _body(schemas.ResourceIn(type=type, name=name, visibility=visibility))
    return Call("POST", f"/v1/orgs/{org_id}/resources", schemas.ResourceOut, body)


def list_resources(
    org_id: str,
    type: str | None = None,
    *,
    cursor: str | None = None,
    limit: int | None = None,
) -> Call[schemas.ResourcePage]:
    params = _params(type=type, cursor=cursor, limit=limit)
    return Call("GET", f"/v1/orgs/{org_id}/resources", schemas.ResourcePage, params=params)


def get_resource(org_id: str, resource_id: str) -> Call[schemas.ResourceOut]:
    return Call("GET", f"/v1/orgs/{org_id}/resources/{resource_id}", schemas.ResourceOut)


def update_resource(
    org_id: str, resource_id: str, *, name: str | None = None, visibility: str | None = None
) -> Call[schemas.ResourceOut]:
    body = _body(schemas.ResourceUpdateIn(name=name, visibility=visibility))
    return Call("PATCH", f"/v1/orgs/{org_id}/resources/{resource_id}", schemas.ResourceOut, body)


def delete_resource(org_id: str, resource_id: str) -> Call[None]:
    return Call("DELETE", f"/v1/orgs/{org_id}/resources/{resource_id}", None)


def member_access(org_id: str, user_id: str) -> Call[list[schemas.ResourceAccessOut]]:
    return Call(
        "GET", f"/v1/orgs/{org_id}/members/{user_id}/access", list[schemas.ResourceAccessOut]
    )


def set_member_access(
    org_id: str, user_id: str, changes: dict[str, str | None]
) -> Call[list[schemas.ResourceAccessOut]]:
    """``changes``: resource id -> role name, or None to remove access."""
    body = {"changes": dict(changes)}
    return Call(
        "PUT", f"/v1/orgs/{org_id}/members/{user_id}/access", list[schemas.ResourceAccessOut], body
    )


# -- invitations ------------------------------------------------------------------------------


def invite(
    org_id: str,
    emails: list[str],
    *,
    roles: list[str] | None = None,
    permissions: list[str] | None = None,
    resource_grants: dict[str, str] | None = None,
) -> Call[schemas.InviteOut]:
    """``resource_grants``: resource id -> role on it, for everyone invited."""
    body = {
        "emails": emails,
        "roles": roles or [],
        "permissions": permissions or [],
        "resource_grants": dict(resource_grants or {}),
    }
    return Call("POST", f"/v1/orgs/{org_id}/invitations", schemas.InviteOut, body)


def pending_invitations(
    org_id: str, *, cursor: str | None = None, limit: int | None = None
) -> Call[schemas.InvitationPage]:
    params = _params(cursor=cursor, limit=limit)
    return Call("GET", f"/v1/orgs/{org_id}/invitations", schemas.InvitationPage, params=params)


def cancel_invitation(org_id: str, invitation_id: str) -> Call[None]:
    return Call("DELETE", f"/v1/orgs/{org_id}/invitations/{invitation_id}", None)


def resend_invitation(org_id: str, invitation_id: str) -> Call[schemas.InvitationOut]:
    return Call(
        "POST", f"/v1/orgs/{org_id}/invitations/{invitation_id}/resend", schemas.InvitationOut
    )


def invitation(token: str) -> Call[schemas.InvitationPreviewOut]:
    return Call("GET", f"/v1/invitations/{token}", schemas.InvitationPreviewOut)


def accept_invitation(token: str) -> Call[schemas.AcceptedOut]:
    return Call("POST", f"/v1/invitations/{token}/accept", schemas.AcceptedOut)


def sign_up_with_invitation(token: str, name: str, password: str) -> Call[schemas.SignedInOut]:
    body = _body(schemas.InviteSignUpIn(name=name, password=password))
    return Call("POST", f"/v1/invitations/{token}/signup", schemas.SignedInOut, body)


# -- cross-organization roles and lookups -------------------------------------------------------


def grant_cross_role(org_id: str, email: str, role: str) -> Call[schemas.CrossRoleOut]:
    return Call(
        "POST",
        f"/v1/orgs/{org_id}/cross-roles",
        schemas.CrossRoleOut,
        {"email": email, "role": role},
    )


def list_cross_roles(org_id: str) -> Call[list[schemas.CrossRoleOut]]:
    return Call("GET", f"/v1/orgs/{org_id}/cross-roles", list[schemas.CrossRoleOut])


def revoke_cross_role(org_id: str, grant_id: str) -> Call[None]:
    return Call("DELETE", f"/v1/orgs/{org_id}/cross-roles/{grant_id}", None)


def lookup_resources(org_id: str, user_id: str, permission: str) -> Call[list[schemas.ResourceOut]]:
    params = {"user_id": user_id, "permission": permission}
    return Call(
        "GET", f"/v1/orgs/{org_id}/lookup/resources", list[schemas.ResourceOut], params=params
    )


def lookup_subjects(
    org_id: str, resource_id: str, permission: str
) -> Call[list[schemas.SubjectOut]]:
    params = {"permission": permission}
    return Call(
        "GET",
        f"/v1/orgs/{org_id}/resources/{resource_id}/subjects",
        list[schemas.SubjectOut],
        params=params,
    )
