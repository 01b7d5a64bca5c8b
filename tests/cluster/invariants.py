"""The invariant checker: SQL over the whole database, run after every test and step.

It states the rules on the rows, independently of the service's code:
- the owner rule of the policy: exactly one holder of a unique owner role, at least one
  holder of a shared owner role or of the owner permission, in every organization;
- seats: members + pending, unexpired invitations <= the organization's seat cap;
- no duplicate membership; every membership has the audit event that created it;
- every accepted invitation has its membership (or a later audited removal); no cancelled
  invitation was accepted, and every ``invitation.accepted`` event names an accepted one;
- and every acknowledged write in the ledger is in the database.
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Connection, Engine, text

from tenantry.policy import Policy
from tests.cluster.ledger import Ledger

OWNER_ROLE_HOLDERS = """
SELECT o.id, o.kind, r.role, count(r.id)
FROM organizations o LEFT JOIN member_roles r ON r.org_id = o.id
GROUP BY o.id, o.kind, r.role
"""

OWNER_PERMISSION_HOLDERS = """
SELECT o.id, count(p.id)
FROM organizations o
LEFT JOIN memberships m ON m.org_id = o.id
LEFT JOIN member_permissions p ON p.membership_id = m.id AND p.permission = :permission
GROUP BY o.id
"""

SEATS_OVER_CAP = """
SELECT o.id, o.seat_cap,
  (SELECT count(*) FROM memberships m WHERE m.org_id = o.id)
  + (SELECT count(*) FROM invitations i
     WHERE i.org_id = o.id AND i.status = 'pending' AND i.expires_at > now()) AS used
FROM organizations o
WHERE o.seat_cap IS NOT NULL
  AND (SELECT count(*) FROM memberships m WHERE m.org_id = o.id)
  + (SELECT count(*) FROM invitations i
     WHERE i.org_id = o.id AND i.status = 'pending' AND i.expires_at > now()) > o.seat_cap
"""

DUPLICATE_MEMBERSHIPS = """
SELECT org_id, user_id, count(*) FROM memberships GROUP BY org_id, user_id HAVING count(*) > 1
"""

# the event that made the membership: the member's addition, or the organization's creation
# by (or, through the operator, for) its first owner
MEMBERSHIPS_WITHOUT_AUDIT = """
SELECT m.org_id, m.user_id FROM memberships m JOIN users u ON u.id = m.user_id
WHERE NOT EXISTS (
  SELECT 1 FROM audit_events e
  WHERE e.org_id = m.org_id AND e.occurred_at >= m.created_at AND (
    (e.action = 'member.added' AND e.target_id = m.user_id)
    OR (e.action = 'org.created' AND (e.actor_id = m.user_id OR e.after->>'owner' = u.email))))
"""

ACCEPTED_WITHOUT_MEMBERSHIP = """
SELECT i.id, i.org_id, i.accepted_by FROM invitations i
WHERE i.status = 'accepted' AND i.accepted_by IS NOT NULL
  AND NOT EXISTS (
    SELECT 1 FROM memberships m WHERE m.org_id = i.org_id AND m.user_id = i.accepted_by)
  AND NOT EXISTS (
    SELECT 1 FROM audit_events e WHERE e.org_id = i.org_id AND e.action = 'member.removed'
    AND e.target_id = i.accepted_by AND e.occurred_at >= i.accepted_at)
"""

CANCELLED_BUT_ACCEPTED = """
SELECT i.id FROM invitations i
WHERE i.status <> 'accepted' AND (i.accepted_at IS NOT NULL OR EXISTS (
  SELECT 1 FROM audit_events e WHERE e.action = 'invitation.accepted' AND e.target_id = i.id))
"""


def owner_problems(conn: Connection, policy: Policy) -> list[str]:
    problems = []
    if policy.owner.permission and not policy.owner.role:
        for org_id, holders in conn.execute(
            text(OWNER_PERMISSION_HOLDERS), {"permission": policy.owner.permission}
        ):
            if holders < 1:
                problems.append(f"organization {org_id} has no {policy.owner.permission} holder")
        return problems
    counts: Counter[str] = Counter()
    kinds: dict[str, str] = {}
    for org_id, kind, role, n in conn.execute(text(OWNER_ROLE_HOLDERS)):
        kinds[org_id] = kind
        if role is not None and role == policy.owner_role_for(kind):
            counts[org_id] += n
    for org_id, kind in kinds.items():
        owner_role = policy.owner_role_for(kind)
        if owner_role is None:
            continue
        unique = policy.roles[owner_role].unique
        n = counts[org_id]
        if (unique and n != 1) or n < 1:
            want = "exactly 1" if unique else "at least 1"
            problems.append(f"organization {org_id} has {n} {owner_role} (want {want})")
    return problems


def problems(engine: Engine, policy: Policy, ledger: Ledger | None = None) -> list[str]:
    """Every broken invariant, described; empty when the database is sound."""
    with engine.connect() as conn:
        found = owner_problems(conn, policy)
        for org_id, cap, used in conn.execute(text(SEATS_OVER_CAP)):
            found.append(f"organization {org_id} uses {used} seats, over its cap {cap}")
        for org_id, user_id, n in conn.execute(text(DUPLICATE_MEMBERSHIPS)):
            found.append(f"user {user_id} is a member of {org_id} {n} times")
        for org_id, user_id in conn.execute(text(MEMBERSHIPS_WITHOUT_AUDIT)):
            found.append(f"membership of {user_id} in {org_id} has no audit event")
        for inv_id, org_id, user_id in conn.execute(text(ACCEPTED_WITHOUT_MEMBERSHIP)):
            found.append(f"invitation {inv_id} accepted by {user_id}, no membership in {org_id}")
        for (inv_id,) in conn.execute(text(CANCELLED_BUT_ACCEPTED)):
            found.append(f"invitation {inv_id} was accepted but its status says otherwise")
        if ledger is not None:
            found.extend(ledger.lost(conn))
        conn.rollback()
    return found
