"""Signing up: an account (unverified until its address is proved) and, where the policy
lets an organization stand alone, the user's own organization with them as its owner.

The answer never says whether the address had an account: a new address gets its account
and a verification link, an address with an account gets an email saying so, and an
address an unverified account holds gets a link to claim it. Each is one mail queued in the
same transaction; the caller answers the same in every case."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tenantry.accounts import links
from tenantry.accounts.emails import normalize_email
from tenantry.accounts.mail import AccountMail
from tenantry.accounts.models import User
from tenantry.accounts.passwords import HashedPassword, verify_password
from tenantry.accounts.service import WrongPassword, create_user
from tenantry.accounts.trail import record_account
from tenantry.accounts.verification import mark_verified, reclaim
from tenantry.authz.service import Authorizer
from tenantry.errors import Invalid
from tenantry.orgs.models import Organization
from tenantry.orgs.service import create_org
from tenantry.policy.model import Policy
from tenantry.store.db import Database
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
    email: str  # normalised
    message_id: str  # the one mail this sign-up queued, to deliver after the commit


def _check_org_name(policy: Policy, organization_name: str | None) -> None:
    joins_by = joined_by_invitation(policy)
    if joins_by is not None and (organization_name or "").strip():
        raise Invalid(
            f"Signing up here creates no organization: {joins_by}. Leave the organization "
            "name out.",
            field="organization_name",
        )


def sign_up(
    session: Session,
    authz: Authorizer,
    mail: AccountMail,
    *,
    email: str,
    name: str,
    password: HashedPassword,
    organization_name: str | None,
    ip: str | None,
) -> SignedUp:
    """Answer-neutral sign-up (see the module). The password comes hashed, before
    ``session``'s write transaction opened, whichever way the address turns out."""
    _check_org_name(authz.policy, organization_name)
    address = normalize_email(email)
    holder = session.scalar(select(User).where(User.email == address))
    if holder is None:
        user, _ = create_account(
            session,
            authz,
            email=address,
            name=name,
            password=password,
            organization_name=organization_name,
            ip=ip,
        )
        link = links.issue(session, links.VERIFY, email=address, user_id=user.id)
        return SignedUp(address, mail.verification(session, to=address, token=link.token))
    if holder.is_verified or not holder.is_active:
        return SignedUp(address, mail.already_registered(session, to=address))
    claim = links.issue(
        session,
        links.CLAIM,
        email=address,
        user_id=None,
        payload={
            "name": name,
            "password_hash": password.value,
            "organization_name": organization_name,
        },
    )
    return SignedUp(address, mail.claim(session, to=address, token=claim.token))


def create_account(
    session: Session,
    authz: Authorizer,
    *,
    email: str,
    name: str,
    password: HashedPassword,
    organization_name: str | None,
    ip: str | None,
) -> tuple[User, Organization | None]:
    """The account and, where the policy allows, its own organization."""
    user = create_user(session, email=email, name=name, password=password)
    record_account(
        session, actor=Actor(user.id, user.email, ip), user_id=user.id, action="account.created"
    )
    org = None
    if joined_by_invitation(authz.policy) is None:
        org = create_org(
            session,
            authz,
            actor=Actor(user.id, user.email, ip),
            creator=user,
            name=(organization_name or "").strip() or default_org_name(user.name),
        )
    return user, org


def prove_claimant(db: Database, token: str, password: str) -> None:
    """Whoever confirms a claim must be whoever signed up: the link reaches the mailbox,
    the password typed at sign-up shows it is the same person (else a squatter signing up
    again could have the owner confirm an account with the squatter's password). Checked
    with no connection held (argon2 is slow by design)."""
    with db.reading() as s:
        row = links.find(s, links.CLAIM, token)
        links.check_usable(row)
        stored = (row.payload or {}).get("password_hash")
    if not verify_password(str(stored) if stored else None, password):
        raise WrongPassword(
            "That is not the password this sign-up was made with: type the one you chose "
            "when you signed up (or sign up again for a new link)."
        )


def claim(session: Session, authz: Authorizer, token: str, *, ip: str | None) -> User:
    """Use a claim link (its password proved first: ``prove_claimant``): the sign-up it
    carries becomes a verified account holding the address, and the unverified account that
    held it is disabled (``reclaim``)."""
    row = links.spend(session, links.CLAIM, token)
    payload = row.payload or {}
    actor = Actor(None, row.email, ip)
    reclaim(session, address=row.email, actor=actor, how="sign-up confirmed by email")
    user, _ = create_account(
        session,
        authz,
        email=row.email,
        name=str(payload.get("name") or row.email),
        password=HashedPassword(str(payload["password_hash"])),
        organization_name=payload.get("organization_name"),
        ip=ip,
    )
    mark_verified(session, user, actor=Actor(user.id, user.email, ip), how="claim link")
    return user
