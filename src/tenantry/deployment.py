"""Which policy a database belongs to, recorded on first start and checked on every start.

Rows name a policy's roles, permissions, organization kinds and resource types by their
ids. A service started with another policy would meet ids it does not know (a 500 deep in
a page), so the service refuses to start instead, with one line naming the mismatch. A
database from before the record existed is judged by its rows: ids the policy does not
define are refused by name; otherwise the policy is recorded. A policy file edited in place
(same name, new roles) is judged by the rows again, and its fingerprint recorded.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from tenantry.apikeys.models import ApiKey
from tenantry.errors import Conflict
from tenantry.invitations.models import PENDING, Invitation
from tenantry.members.models import CrossOrgRole, MemberPermission, MemberRole
from tenantry.orgs.models import Organization
from tenantry.policy import Policy
from tenantry.resources.models import Resource, ResourceExclusion, ResourceGrant
from tenantry.store.db import Database
from tenantry.store.meta import ServiceMeta

POLICY = "policy"  # the policy's name
SOURCE = "policy_source"  # TENANTRY_POLICY as it was given (a preset name or a file)
FINGERPRINT = "policy_fingerprint"  # the ids the policy defines
SHOWN = 5  # ids named per category in the refusal


class PolicyMismatch(Conflict):
    code = "POLICY_MISMATCH"


def fingerprint(policy: Policy) -> str:
    """A hash of every id the policy defines that rows can hold."""
    ids = {
        "roles": sorted(policy.roles),
        "permissions": sorted(policy.permissions),
        "kinds": sorted(policy.kinds),
        "resource_types": {name: sorted(t.roles) for name, t in policy.resource_types.items()},
    }
    return hashlib.sha256(json.dumps(ids, sort_keys=True).encode()).hexdigest()


def bind_policy(db: Database, policy: Policy, *, setting: str | None = None) -> None:
    """Refuse (PolicyMismatch) a database set up for another policy, or holding ids this
    policy does not define; otherwise record the policy as the database's own."""
    setting = setting or policy.name
    for attempt in (1, 2):
        try:
            with db.transaction() as s:
                _bind(s, policy, setting)
            return
        except IntegrityError:  # another process recorded it at the same moment: check again
            if attempt == 2:
                raise


def _bind(s: Session, policy: Policy, setting: str) -> None:
    meta = {row.key: row for row in s.scalars(select(ServiceMeta))}
    recorded = meta[POLICY].value if POLICY in meta else None
    if recorded is not None and recorded != policy.name:
        source = meta[SOURCE].value if SOURCE in meta else recorded
        raise PolicyMismatch(
            f"This database was set up for policy '{recorded}'; TENANTRY_POLICY is "
            f"'{setting}'{_named(policy, setting)}. Use TENANTRY_POLICY={source}, "
            "or a new database.",
            recorded=recorded,
            policy=policy.name,
        )
    mark = fingerprint(policy)
    if recorded is not None and FINGERPRINT in meta and meta[FINGERPRINT].value == mark:
        return
    unknown = unknown_ids(s, policy)
    if unknown:
        held = "; ".join(f"{what} {_quoted(ids)}" for what, ids in unknown.items())
        raise PolicyMismatch(
            f"This database holds ids that policy '{policy.name}' (TENANTRY_POLICY="
            f"{setting}) does not define: {held}. Use the policy the database was set up "
            "with, or a new database.",
            policy=policy.name,
            unknown={what: sorted(ids) for what, ids in unknown.items()},
        )
    for key, value in ((POLICY, policy.name), (SOURCE, setting), (FINGERPRINT, mark)):
        if key in meta:
            meta[key].value = value
        else:
            s.add(ServiceMeta(key=key, value=value[:400]))
    s.flush()


def unknown_ids(s: Session, policy: Policy) -> dict[str, set[str]]:
    """Ids the database's rows hold that the policy does not define, by category."""
    roles = _distinct(s, MemberRole.role) | _distinct(s, CrossOrgRole.role)
    permissions = _distinct(s, MemberPermission.permission)
    for row_roles, row_permissions in s.execute(
        select(ApiKey.roles, ApiKey.permissions).where(ApiKey.revoked_at.is_(None))
    ):
        roles |= set(row_roles or ())
        permissions |= set(row_permissions or ())
    for row_roles, row_permissions in s.execute(
        select(Invitation.roles, Invitation.permissions).where(Invitation.status == PENDING)
    ):
        roles |= set(row_roles or ())
        permissions |= set(row_permissions or ())
    resource_roles = {r for t in policy.resource_types.values() for r in t.roles}
    found = {
        "roles": roles - set(policy.roles),
        "permissions": permissions - set(policy.permissions),
        "organization kinds": _distinct(s, Organization.kind) - set(policy.kinds),
        "resource types": _distinct(s, Resource.type) - set(policy.resource_types),
        "resource roles": (_distinct(s, ResourceGrant.role) | _distinct(s, ResourceExclusion.role))
        - resource_roles,
    }
    return {what: ids for what, ids in found.items() if ids}


def _distinct(s: Session, column: InstrumentedAttribute[str]) -> set[str]:
    return set(s.scalars(select(column).distinct()))


def _quoted(ids: Iterable[str]) -> str:
    names = sorted(ids)
    shown = ", ".join(f"'{name}'" for name in names[:SHOWN])
    return shown + (f" and {len(names) - SHOWN} more" if len(names) > SHOWN else "")


def _named(policy: Policy, setting: str) -> str:
    return "" if setting == policy.name else f" (policy '{policy.name}')"
