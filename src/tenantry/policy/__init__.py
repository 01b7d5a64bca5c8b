"""Policy files: the permission catalogue, roles and rules a deployment runs."""

from tenantry.policy.errors import PolicyError
from tenantry.policy.loader import load_policy, load_preset, parse_policy, preset_names
from tenantry.policy.model import ORGANIZATION, MembershipMode, Permission, Policy, Role

__all__ = [
    "ORGANIZATION",
    "MembershipMode",
    "Permission",
    "Policy",
    "PolicyError",
    "Role",
    "load_policy",
    "load_preset",
    "parse_policy",
    "preset_names",
]
