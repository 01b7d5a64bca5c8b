"""Request and response bodies. Requests are strict (no "1" for true, no 1 for "1") and
forbid unknown fields, so a smuggled ``org_id`` or ``is_owner`` is a 422, never ignored
silently into the wrong place."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from tenantry import consistency

Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]
# at least one visible character: names are shown in lists and emails
# no control characters, at least one visible one (see tenantry.text.display_name)
_NO_CONTROL = r"[^\x00-\x1f\x7f-\x9f]"
_NAME = rf"^{_NO_CONTROL}*[^\s\x00-\x1f\x7f-\x9f]{_NO_CONTROL}*$"
Name = Annotated[str, StringConstraints(min_length=1, max_length=200, pattern=_NAME)]
# what accounts.emails.normalize_email accepts (internationalised domains in their ASCII form)
Email = Annotated[
    str,
    StringConstraints(
        max_length=320,
        pattern=r"^\s*[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\.?\s*$",
    ),
]
Password = Annotated[str, StringConstraints(min_length=1, max_length=1024)]
NewPassword = Annotated[str, StringConstraints(min_length=10, max_length=1024)]
Token = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Ident = Annotated[str, StringConstraints(min_length=1, max_length=128)]
# JSON has one number type: 300.0 is the integer 300 to a JSON Schema validator, so a body's
# integer takes it (strict models still refuse "300", a string, and 300.5). Placed after the
# field's Field(...) constraints, which then stay in the schema as minimum and maximum.
WHOLE_NUMBER = BeforeValidator(lambda v: int(v) if isinstance(v, float) and v.is_integer() else v)
Scalar = str | int | float | bool | None
FreeForm = Annotated[
    dict[Annotated[str, StringConstraints(max_length=64)], Scalar], Field(max_length=50)
]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Written(Out):
    """The answer to a write (also read back by GETs, where the token is null)."""

    consistency_token: str | None = Field(
        default=None,
        description="On the answer to a write: the revisions it committed, as a consistency "
        "token (also in the Tenantry-Consistency-Token header); pass it as at_least.",
    )


# -- accounts -------------------------------------------------------------------------------


class SignUpIn(In):
    email: Email
    name: Name
    password: NewPassword
    organization_name: Name | None = Field(
        default=None,
        description="The name of the organization sign-up creates for you. Where the policy "
        "creates none (the marketplace: one joins by invitation) giving one is a 422.",
    )


class SignInIn(In):
    email: Email
    password: Password


class PasswordChangeIn(In):
    current_password: Password
    new_password: NewPassword
    end_other_sessions: bool = Field(
        default=True, description="Sign out every other session of this account."
    )


class UserOut(Out):
    id: str
    email: str
    name: str
    last_active_at: datetime | None


class MembershipSummary(Out):
    org_id: str
    name: str
    kind: str


class MeOut(Out):
    user: UserOut
    organizations: list[MembershipSummary]


class SignedInOut(Written):
    user: UserOut
    token: str = Field(description="Bearer token for API calls; the browser also gets a cookie.")
    csrf_token: str = Field(description="Send as X-CSRF-Token on cookie-authenticated changes.")
    organization: MembershipSummary | None = None


# -- organizations --------------------------------------------------------------------------


class OrgIn(In):
    name: Name
    kind: Ident | None = None
    parent_id: Id | None = None


class OrgUpdateIn(In):
    name: Name | None = None
    settings: FreeForm | None = None
    profile: FreeForm | None = None


class OrgOut(Written):
    id: str
    name: str
    kind: str
    kinds: list[str]
    parent_id: str | None
    seat_cap: int | None
    seats_used: int
    settings: dict[str, Scalar] | None = Field(
        description="null unless you may read the settings (the policy's view_settings or "
        "settings permission)"
    )
    profile: dict[str, Scalar]
    revision: int
    created_at: datetime
    my_roles: list[str]
    my_permissions: list[str]


# -- members --------------------------------------------------------------------------------


class MemberOut(Written):
    user_id: str
    email: str
    name: str
    roles: list[str]
    permissions: list[str]
    joined_at: datetime
    last_active_at: datetime | None


class MemberPage(Out):
    items: list[MemberOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page (an email).")


class MemberUpdateIn(In):
    roles: Annotated[list[Ident], Field(max_length=50)] | None = None
    permissions: Annotated[list[Ident], Field(max_length=500)] | None = None


class BulkRemoveIn(In):
    user_ids: Annotated[
        list[Id], Field(min_length=1, max_length=500, json_schema_extra={"uniqueItems": True})
    ]


class TransferIn(In):
    to_user_id: Id


# -- checks ---------------------------------------------------------------------------------


ConsistencyToken = Annotated[
    str,
    Field(
        max_length=6000,
        pattern=consistency.PATTERN,
        description="A consistency token (the Tenantry-Consistency-Token header of a write, "
        "or a check's checked_at): answer from data at least that fresh.",
    ),
]
FullyConsistent = Annotated[
    bool,
    Field(description="Validate against the database now instead of trusting the cache."),
]


class CheckIn(In):
    user_id: Id
    permission: Ident
    org_id: Id
    resource_id: Id | None = None
    explain: bool = False
    at_least: ConsistencyToken | None = None
    fully_consistent: FullyConsistent = False


class CheckOut(Out):
    allowed: bool
    permission: str
    org_id: str
    resource_id: str | None
    revision: int = Field(description="The organization's revision the answer was computed at.")
    checked_at: str = Field(
        description="A consistency token for the data the answer was computed from."
    )
    explanation: list[str] | None = None


class BatchIn(In):
    checks: Annotated[list[CheckIn], Field(min_length=1, max_length=1000)]
    at_least: ConsistencyToken | None = None
    fully_consistent: FullyConsistent = False


class BatchOut(Out):
    results: list[CheckOut]


# -- API keys -------------------------------------------------------------------------------


class KeyIn(In):
    name: Name
    roles: Annotated[list[Ident], Field(max_length=50)] = []
    permissions: Annotated[list[Ident], Field(max_length=500)] = []


class KeyOut(Out):
    id: str
    name: str
    roles: list[str]
    permissions: list[str]
    created_by: str | None
    created_at: datetime
    last_used_at: datetime | None


class KeyCreatedOut(KeyOut, Written):
    token: str = Field(description="Shown once; only its hash is stored.")


# -- audit ----------------------------------------------------------------------------------


class AuditOut(Out):
    id: str
    occurred_at: datetime
    actor_id: str | None
    actor: str
    ip: str | None
    action: str
    target_type: str | None
    target_id: str | None
    target: str | None
    before: dict[str, object] | None
    after: dict[str, object] | None
    seq: int | None  # its place in the organization's hash chain
    prev_hash: str | None
    hash: str | None


class AuditPage(Out):
    items: list[AuditOut]
    next_cursor: str | None


class AuditBreakOut(Out):
    seq: int
    event_id: str | None
    problem: str


class AuditVerifyOut(Out):
    intact: bool
    checked: int = Field(description="Events whose content and link were checked.")
    head_seq: int | None = Field(description="The chain head kept on the organization.")
    head_hash: str | None
    broken: AuditBreakOut | None = Field(description="The first link that does not hold.")


class ChangeOut(Out):
    revision: int = Field(description="The organization's revision this change made.")
    id: str = Field(description="The audit event that records it.")
    occurred_at: datetime
    actor_id: str | None
    actor: str
    action: str
    target_type: str | None
    target_id: str | None
    target: str | None
    before: dict[str, object] | None
    after: dict[str, object] | None


class ChangesPage(Out):
    changes: list[ChangeOut]
    cursor: str = Field(description="Pass as 'after' to continue: nothing missed or repeated.")
    revision: int = Field(description="The organization's revision when this page was read.")
    more: bool = Field(description="More changes are waiting: ask again at once.")


# -- resources ------------------------------------------------------------------------------


class ResourceIn(In):
    type: Ident
    name: Name
    visibility: Ident | None = None


class ResourceUpdateIn(In):
    name: Name | None = None
    visibility: Ident | None = None


class ResourceOut(Written):
    id: str
    type: str
    name: str
    visibility: str
    created_at: datetime


# resource id -> role (or null to remove access): an object, so a resource appears once
AccessMap = Annotated[dict[Id, Ident | None], Field(min_length=1, max_length=500)]
GrantMap = Annotated[dict[Id, Ident], Field(max_length=500)]


class ResourcePage(Out):
    items: list[ResourceOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")


class AccessIn(In):
    changes: AccessMap = Field(description="Resource id -> role on it, or null to remove access.")


class ResourceAccessOut(Out):
    resource_id: str
    resource_type: str
    resource_name: str
    permissions: list[str]
    explanation: list[str]


# -- policy ---------------------------------------------------------------------------------


class PermissionOut(Out):
    id: str
    scope: str
    category: str
    label: str
    description: str


class RoleOut(Out):
    name: str
    scope: str
    label: str
    description: str
    permissions: list[str]
    manages: list[str]
    unique: bool
    assignable: bool
    kinds: list[str]


class CombinationOut(Out):
    roles: list[str]
    permissions: list[str]


class PolicyOut(Out):
    name: str
    title: str
    membership: str
    permissions: list[PermissionOut]
    roles: list[RoleOut]
    resource_roles: list[RoleOut]
    templates: dict[str, list[str]]
    combinations: list[CombinationOut] = Field(
        default_factory=list,
        description="Roles that, held together, give permissions none of them gives alone.",
    )


# -- invitations ----------------------------------------------------------------------------


class InviteIn(In):
    emails: Annotated[list[Email], Field(min_length=1, max_length=100)]
    roles: Annotated[list[Ident], Field(max_length=50)] = []
    permissions: Annotated[list[Ident], Field(max_length=500)] = []
    resource_grants: GrantMap = Field(
        default_factory=dict, description="Resource id -> the role everyone invited gets on it."
    )


class InvitationOut(Written):
    id: str
    email: str
    roles: list[str]
    permissions: list[str]
    resource_grants: dict[str, str] = Field(description="Resource id -> role.")
    invited_by: str | None = Field(description="The inviter's email, if they still exist.")
    sent_at: datetime
    expires_at: datetime
    delivery_status: str = Field(description="queued, sent or failed")
    delivery_error: str | None
    url: str | None = Field(
        description="The link, shown only when the email could not be delivered."
    )


class InvitationPage(Out):
    items: list[InvitationOut]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page.")


class AddressResultOut(Out):
    email: str
    status: str = Field(description="'invited', or the code of the reason it was not")
    message: str
    invitation: InvitationOut | None = None


class InviteOut(Written):
    results: list[AddressResultOut]


class InvitationPreviewOut(Out):
    organization: str
    email: str
    roles: list[str]
    invited_by: str | None
    expires_at: datetime
    account_exists: bool = Field(description="Sign in and accept, or sign up through the link.")


class AcceptedOut(Written):
    org_id: str
    roles: list[str]
    permissions: list[str]


class InviteSignUpIn(In):
    name: Name
    password: NewPassword


# -- cross-organization roles and lookups ------------------------------------------------


class CrossRoleIn(In):
    email: Email
    role: Ident


class CrossRoleOut(Written):
    id: str
    user_id: str
    email: str
    role: str
    granted_by: str | None
    created_at: datetime


class SubjectOut(Out):
    user_id: str
    email: str
