"""Reading members: one page of an organization's member list, and one member by key.

Every query starts from the organization's own membership rows and walks an index on
(org_id, sort key, user_id), so a page costs the same in an organization of ten members or
ten thousand: the sort keys live on the membership (``Membership.email_key``, ``name_key``,
``created_at``), the cursor is the last row's (key, user id), and a prefix search is one
index range per key. Whoever calls these has checked that the caller may read the list
(README: "What each read needs"); nothing here reads outside ``org_id``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args

from sqlalchemy import ColumnElement, Select, func, literal, select, tuple_, union
from sqlalchemy.orm import InstrumentedAttribute, Session

from tenantry.accounts.models import User
from tenantry.authz import holders
from tenantry.errors import Invalid
from tenantry.members.errors import MemberNotFound
from tenantry.members.models import MemberPermission, MemberRole, Membership
from tenantry.policy.model import ORGANIZATION, Policy
from tenantry.store import cursors

MemberSort = Literal["email", "name", "joined"]
SORTS: tuple[str, ...] = get_args(MemberSort)
MAX_PAGE = 500
# the greatest code point: every string that starts with a prefix sorts below prefix + this
_ABOVE_PREFIX = "\U0010ffff"


@dataclass(frozen=True, slots=True)
class MemberView:
    user_id: str
    email: str
    name: str
    roles: tuple[str, ...]
    permissions: tuple[str, ...]
    joined_at: datetime
    last_active_at: datetime | None


@dataclass(frozen=True, slots=True)
class MemberPage:
    items: list[MemberView]
    next_cursor: str | None  # pass back as ``cursor`` for the page after this one


def _sort_column(sort: str) -> InstrumentedAttribute[str] | InstrumentedAttribute[datetime]:
    if sort == "email":
        return Membership.email_key
    if sort == "name":
        return Membership.name_key
    if sort == "joined":
        return Membership.created_at
    raise Invalid(f"Unknown sort {sort!r}; choose one of {', '.join(SORTS)}.")


def _encode_cursor(sort: str, descending: bool, key: str | datetime, user_id: str) -> str:
    return cursors.encode(
        sort, descending, key.isoformat() if isinstance(key, datetime) else key, user_id
    )


def _decode_cursor(cursor: str, sort: str, descending: bool) -> tuple[str | datetime, str]:
    raw_sort, raw_descending, raw_key, user_id = cursors.decode(cursor, str, bool, str, str)
    if raw_sort != sort or raw_descending != descending:
        raise Invalid("The cursor belongs to a list in another order; start again without it.")
    assert isinstance(raw_key, str) and isinstance(user_id, str)
    return (cursors.instant(raw_key) if sort == "joined" else raw_key), user_id


def prefix_match(org_id: str, search: str) -> ColumnElement[bool]:
    """Members of ``org_id`` whose email or name starts with ``search``, case-insensitively
    (SQL lower(), as the keys are written): two index ranges, never a scan."""
    prefix = func.lower(literal(search))
    above = prefix + _ABOVE_PREFIX

    def ranged(column: InstrumentedAttribute[str]) -> Select[str]:
        return select(Membership.id).where(
            Membership.org_id == org_id, column >= prefix, column < above
        )

    return Membership.id.in_(union(ranged(Membership.email_key), ranged(Membership.name_key)))


def holding_role(org_id: str, role: str) -> ColumnElement[bool]:
    return Membership.id.in_(
        select(MemberRole.membership_id).where(MemberRole.org_id == org_id, MemberRole.role == role)
    )


def member_page(
    session: Session,
    org_id: str,
    *,
    where: Sequence[ColumnElement[bool]] = (),
    search: str | None = None,
    sort: MemberSort = "email",
    descending: bool = False,
    cursor: str | None = None,
    limit: int = 100,
) -> MemberPage:
    """One page of the organization's members, ordered by ``sort`` (email, name or the time
    they joined; ties by user id), optionally those matching ``where`` (predicates on
    :class:`Membership`, e.g. :func:`holding_role`, or ``authz.holders.org_holders`` for
    "who can do P here") and whose email or name starts with ``search``.

    Three queries whatever the organization's size: the page (``limit`` + 1 rows along an
    index), then the roles and the permissions of the rows on it. ``cursor`` is the page's
    ``next_cursor``; a cursor from another order is refused (Invalid)."""
    if not 1 <= limit <= MAX_PAGE:
        raise Invalid(f"A page holds 1 to {MAX_PAGE} members.")
    column = _sort_column(sort)
    query = (
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.org_id == org_id, *where)
    )
    if search:
        query = query.where(prefix_match(org_id, search))
    if cursor is not None:
        key, user_id = _decode_cursor(cursor, sort, descending)
        # a row value, so both databases walk the index from the cursor on
        here = tuple_(column, Membership.user_id)
        there = tuple_(literal(key, column.type), literal(user_id, Membership.user_id.type))
        query = query.where(here < there if descending else here > there)
    order = (
        (column.desc(), Membership.user_id.desc()) if descending else (column, Membership.user_id)
    )
    rows = session.execute(query.order_by(*order).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    views = _views(session, [(m, u) for m, u in rows])
    last = rows[-1][0] if more else None
    next_cursor = (
        None
        if last is None
        else _encode_cursor(sort, descending, _key_of(last, sort), last.user_id)
    )
    return MemberPage(views, next_cursor)


def member_count(
    session: Session,
    org_id: str,
    *,
    where: Sequence[ColumnElement[bool]] = (),
    search: str | None = None,
) -> int:
    """How many members :func:`member_page` would list with the same filters, in all pages:
    one count over the organization's index entries (no rows are read)."""
    query = select(func.count()).select_from(Membership).where(Membership.org_id == org_id, *where)
    if search:
        query = query.where(prefix_match(org_id, search))
    return session.scalar(query) or 0


def _key_of(membership: Membership, sort: str) -> str | datetime:
    if sort == "email":
        return membership.email_key
    if sort == "name":
        return membership.name_key
    return membership.created_at


def get_member(session: Session, org_id: str, user_id: str) -> MemberView:
    """One member by key (MemberNotFound otherwise): three indexed queries."""
    row = session.execute(
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.org_id == org_id, Membership.user_id == user_id)
    ).first()
    if row is None:
        raise MemberNotFound("No such member in this organization.", user_id=user_id)
    return _views(session, [(row[0], row[1])])[0]


def all_members(session: Session, org_id: str, *, role: str | None = None) -> list[MemberView]:
    """Every member, ordered by email (the CLI's table, the dashboard's team page): use
    :func:`member_page` where the organization may be large."""
    query = (
        select(Membership, User)
        .join(User, User.id == Membership.user_id)
        .where(Membership.org_id == org_id)
        .order_by(Membership.email_key, Membership.user_id)
    )
    if role is not None:
        query = query.where(holding_role(org_id, role))
    return _views(session, [(m, u) for m, u in session.execute(query)])


def _views(session: Session, rows: list[tuple[Membership, User]]) -> list[MemberView]:
    ids = [m.id for m, _ in rows]
    roles: dict[str, list[str]] = {}
    perms: dict[str, list[str]] = {}
    if ids:
        for mid, name in session.execute(
            select(MemberRole.membership_id, MemberRole.role).where(
                MemberRole.membership_id.in_(ids)
            )
        ):
            roles.setdefault(mid, []).append(name)
        for mid, pid in session.execute(
            select(MemberPermission.membership_id, MemberPermission.permission).where(
                MemberPermission.membership_id.in_(ids)
            )
        ):
            perms.setdefault(mid, []).append(pid)
    return [
        MemberView(
            user_id=u.id,
            email=u.email,
            name=u.name,
            roles=tuple(sorted(roles.get(m.id, []))),
            permissions=tuple(sorted(perms.get(m.id, []))),
            joined_at=m.created_at,
            last_active_at=u.last_active_at,
        )
        for m, u in rows
    ]


def member_filters(
    session: Session,
    policy: Policy,
    org_id: str,
    *,
    role: str | None = None,
    permission: str | None = None,
) -> list[ColumnElement[bool]]:
    """The ``where`` of :func:`member_page` for "holding this role" and "who can do P here"
    (by any path: roles, direct grants, combinations, roles from outside and inherited ones;
    set-based, see ``authz.holders``). Unknown names are refused (Invalid)."""
    where = []
    if role is not None:
        if role not in policy.roles:
            raise Invalid(f"Unknown role {role!r}.")
        where.append(holding_role(org_id, role))
    if permission is not None:
        perm = policy.permissions.get(permission)
        if perm is None:
            raise Invalid(f"Unknown permission {permission!r}.")
        if perm.scope != ORGANIZATION:
            raise Invalid(
                f"{permission} is a {perm.scope} permission: ask who holds it on one "
                f"{perm.scope} (/resources/{{id}}/subjects)."
            )
        where.append(holders.org_holders(session, policy, org_id, perm))
    return where
