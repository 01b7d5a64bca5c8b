"""Who may see that a resource exists: whoever reaches it, or manages its type (Dystr's
administrators see every workspace). Everyone else is answered as if it did not exist."""

from __future__ import annotations

from tenantry.engine.evaluate import org_mask, resource_mask
from tenantry.engine.snapshot import AccessSnapshot, ResourceNode
from tenantry.policy.model import Policy


def can_see(policy: Policy, viewer: AccessSnapshot, node: ResourceNode) -> bool:
    manage = policy.permissions[policy.resource_types[node.type].manage_permission]
    return bool(org_mask(policy, viewer) & manage.mask) or bool(resource_mask(policy, viewer, node))
