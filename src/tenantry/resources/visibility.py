"""Who may see that a resource exists: whoever reaches it, or manages its type here (Dystr's
administrators see every workspace; a Verkkokurssikassa Admin whose row on a checkout was
removed by hand does not see that one). Everyone else is answered as if it did not exist."""

from __future__ import annotations

from tenantry.engine.evaluate import manages, resource_mask
from tenantry.engine.snapshot import AccessSnapshot, ResourceNode
from tenantry.errors import NotFound
from tenantry.policy.model import Policy


def can_see(policy: Policy, viewer: AccessSnapshot, node: ResourceNode) -> bool:
    return manages(policy, viewer, node) or bool(resource_mask(policy, viewer, node))


def require_visible(policy: Policy, viewer: AccessSnapshot, node: ResourceNode) -> None:
    """Refuse a resource the viewer cannot see with exactly the answer an id that does not
    exist gets, before any other rule can answer differently (a 403, an ``allowed: false``)."""
    if not can_see(policy, viewer, node):
        raise NotFound("No such resource in this organization.")
