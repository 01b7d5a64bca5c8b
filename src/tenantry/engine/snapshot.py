"""What the engine needs to know about one user in one organization, loaded in one go.

A snapshot is plain data: the store fills it, the engine evaluates it, the cache keeps it
until one of the organizations it was read from changes revision.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class OrgNode:
    id: str
    name: str
    kinds: frozenset[str]  # its own kind plus kinds derived from its resources
    parent_id: str | None
    revision: int
    # read with the revision, so a cached snapshot's copy is exactly as fresh as its access
    require_two_factor: bool = False


@dataclass(frozen=True, slots=True)
class ResourceNode:
    id: str
    org_id: str
    type: str
    name: str
    visibility: str


@dataclass(frozen=True, slots=True)
class AncestorAccess:
    """The user's roles on an ancestor organization, ``distance`` levels up."""

    org: OrgNode
    distance: int
    roles: frozenset[str]


@dataclass(frozen=True, slots=True)
class AccessSnapshot:
    user_id: str
    org: OrgNode
    is_member: bool
    roles: frozenset[str] = frozenset()  # organization roles held as a member
    direct: frozenset[str] = frozenset()  # permissions granted one by one
    cross_roles: frozenset[str] = frozenset()  # roles granted on this org without membership
    ancestors: tuple[AncestorAccess, ...] = ()
    resource_roles: dict[str, str] = field(default_factory=dict)  # resource id -> role
    exclusions: dict[str, frozenset[str]] = field(default_factory=dict)  # resource id -> roles
    # every organization this snapshot was read from, with the revision it was read at
    depends_on: dict[str, int] = field(default_factory=dict)
    # the compiled decision: (scope, effective mask) worked out once per cached snapshot
    # (key None: the organization, else a resource id), so a warm check is a lookup and an AND
    masks: dict[str | None, tuple[str, int]] = field(
        default_factory=dict, compare=False, repr=False
    )
