"""What one member's rows on one resource become after an access change: the explicit role
(one at most) and the derived roles removed by hand. A pure function, so the service that
writes the rows and the access history that replays them agree by construction."""

from __future__ import annotations

from tenantry.engine.evaluate import rules_reaching
from tenantry.policy.model import ResourceType


def removable_derived(spec: ResourceType, org_roles: frozenset[str], visibility: str) -> set[str]:
    """The resource roles the type's removable rules give a holder of ``org_roles`` here."""
    return {rule.grant for rule in rules_reaching(spec, org_roles, visibility) if rule.removable}


def rows_after(
    derived: set[str], role: str | None, excluded: frozenset[str]
) -> tuple[str | None, frozenset[str]]:
    """(explicit role, hand-removed roles) after setting the member's access to ``role``.

    Removing access (``role`` None) drops the explicit role and removes every derived role
    by hand, keeping earlier removals. Giving a role lifts every removal; a role the rules
    already derive needs no explicit row, and the other derived roles are removed, so the
    member holds exactly the role given."""
    if role is None:
        return None, excluded | derived
    return (None if role in derived else role), frozenset(derived - {role})
