"""The acknowledged writes of a run: what a 2xx promised, checked against the database.

Each entry is a fact a 2xx stated ("API key K exists", "member U of O is gone", "session S
ended"). A later acknowledged write about the same thing replaces the entry; a write whose
answer never came (the server died) makes the fact unknown until the next acknowledged
one. ``lost(conn)`` lists the facts the database contradicts: lost acknowledged writes.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, text

from tenantry import tokens
from tenantry.accounts import sessions


@dataclass(frozen=True, slots=True)
class Fact:
    kind: str
    key: tuple[str, ...]
    value: object  # what the database must show

    def describe(self) -> str:
        return f"{self.kind}{self.key} = {self.value!r}"


def _one(conn: Connection, sql: str, **params: object) -> object:
    return conn.execute(text(sql), params).scalar()


def _user(conn: Connection, email: str) -> object:
    return _one(conn, "SELECT count(*) > 0 FROM users WHERE email = :e", e=email)


def _org(conn: Connection, org_id: str) -> object:
    return _one(conn, "SELECT count(*) > 0 FROM organizations WHERE id = :o", o=org_id)


def _member(conn: Connection, org_id: str, user_id: str) -> object:
    roles = conn.execute(
        text(
            "SELECT m.id, r.role FROM memberships m LEFT JOIN member_roles r"
            " ON r.membership_id = m.id WHERE m.org_id = :o AND m.user_id = :u"
        ),
        {"o": org_id, "u": user_id},
    ).all()
    if not roles:
        return None
    return tuple(sorted(r for _, r in roles if r is not None))


def _key(conn: Connection, key_id: str) -> object:
    row = conn.execute(
        text("SELECT revoked_at IS NOT NULL FROM api_keys WHERE id = :k"), {"k": key_id}
    ).first()
    return None if row is None else ("revoked" if row[0] else "live")


def _session(conn: Connection, token: str) -> object:
    parsed = tokens.parse(sessions.TOKEN_KIND, token)
    assert parsed is not None, "not a session token"
    row = conn.execute(
        text("SELECT revoked_at IS NOT NULL FROM auth_sessions WHERE lookup = :l"),
        {"l": parsed[0]},
    ).first()
    return None if row is None else ("ended" if row[0] else "live")


def _invitation(conn: Connection, invitation_id: str) -> object:
    return _one(conn, "SELECT status FROM invitations WHERE id = :i", i=invitation_id)


def _resource(conn: Connection, resource_id: str) -> object:
    return _one(conn, "SELECT count(*) > 0 FROM resources WHERE id = :r", r=resource_id)


READERS: dict[str, Callable[..., object]] = {
    "user": _user,  # (email,) -> True
    "org": _org,  # (org_id,) -> True
    "member": _member,  # (org_id, user_id) -> sorted roles, or None when removed
    "api_key": _key,  # (key_id,) -> "live" | "revoked"
    "session": _session,  # (token,) -> "live" | "ended"
    "invitation": _invitation,  # (invitation_id,) -> status
    "resource": _resource,  # (resource_id,) -> True
}


class Ledger:
    def __init__(self) -> None:
        self._facts: dict[tuple[str, tuple[str, ...]], Fact] = {}
        self._lock = threading.Lock()
        self.acknowledged = 0  # 2xx writes recorded

    def ack(self, kind: str, *key: str, value: object = True) -> None:
        """A 2xx said so: ``kind(key)`` must read ``value`` from now on."""
        assert kind in READERS, kind
        with self._lock:
            self._facts[(kind, key)] = Fact(kind, key, value)
            self.acknowledged += 1

    def unknown(self, kind: str, *key: str) -> None:
        """A write about ``kind(key)`` got no answer: it may or may not have happened."""
        with self._lock:
            self._facts.pop((kind, key), None)

    def facts(self) -> list[Fact]:
        with self._lock:
            return list(self._facts.values())

    def lost(self, conn: Connection) -> list[str]:
        """Every fact the database does not show: acknowledged writes that were lost."""
        problems = []
        for fact in self.facts():
            found = READERS[fact.kind](conn, *fact.key)
            if found != fact.value:
                problems.append(f"acknowledged {fact.describe()} but the database has {found!r}")
        return problems
