"""Signing up: an account, its first session, and (where the policy allows an organization
to stand alone) the user's own organization with them as its owner."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from tenantry.accounts import sessions
from tenantry.accounts.passwords import HashedPassword
from tenantry.accounts.service import create_user
from tenantry.authz.service import Authorizer
from tenantry.errors import Invalid
from tenantry.orgs.models import Organization
from tenantry.orgs.service import create_org
from tenantry.policy.model import Policy
from tenantry.text import MAX_NAME
from tenantry.writes import Actor


def joined_by_invitation(policy: Policy) -> str | None:
    """Why sign-up creates no organization under this policy, or None where it creates one."""
    if policy.signup_creates_org:
        return None
    kind = policy.kinds[policy.default_kind]
    if kind.parents:
        parents = " or ".join(policy.kinds[p].label for p in sorted(kind.parents))
        where = f"{kind.label} organizations sit under a {parents}"
    else:
        where = f"{kind.label} organizations are set up by the operator"
    return f"{where}, and you join one by invitation"


def default_org_name(user_name: str) -> str:
    suffix = "'s organization"
    return user_name[: MAX_NAME - len(suffix)].rstrip() + suffix


@dataclass(frozen=True, slots=True)
class SignedUp:
    signed: sessions.Signed
    organization: Organization | None


def sign_up(
    session: Session,
    authz: Authorizer,
    *,
    email: str,
    name: str,
    password: HashedPassword,
    organization_name: str | None,
    ip: str | None,
) -> SignedUp:
    """The marketplace's customers always live under a seller: there the new account gets
    no organization of its own and joins by invitation. The password comes hashed, before
    ``session``'s write transaction opened."""
    joins_by = joined_by_invitation(authz.policy)
    if joins_by is not None and (organization_name or "").strip():
        raise Invalid(
            f"Signing up here creates no organization: {joins_by}. Leave the organization "
            "name out.",
            field="organization_name",
        )
    user = create_user(session, email=email, name=name, password=password)
    org = None
    if joins_by is None:
        org = create_org(
            session,
            authz,
            actor=Actor(user.id, user.email, ip),
            creator=user,
            name=(organization_name or "").strip() or default_org_name(user.name),
        )
    return SignedUp(sessions.start_session(session, user, ip=ip), org)
