"""Consistency tokens (Zanzibar's zookies, SpiceDB's ZedTokens): "at least as fresh as this".

A write answers with the new revision of every organization it changed, encoded as an
opaque token. A check, lookup or read given ``at_least=<token>`` is answered from data at
least that fresh: a cached snapshot older than the token is read through.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from tenantry.errors import Invalid

PREFIX = "ct1_"
HEADER = "Tenantry-Consistency-Token"
# "ct1_<org>.<revision>~<org>.<revision>...": opaque to clients (pass it back as it came),
# but every string of this shape is one we can read, so the API schema can say exactly
# what it accepts
_ORG = r"[0-9a-f]{32}"
_PAIR = rf"{_ORG}\.[1-9][0-9]{{0,17}}"
PATTERN = rf"^{PREFIX}{_PAIR}(~{_PAIR}){{0,99}}$"
_SHAPE = re.compile(PATTERN)


class BadToken(Invalid):
    code = "BAD_CONSISTENCY_TOKEN"


def encode(revisions: Mapping[str, int]) -> str:
    """The token for these (organization id → revision) pairs; empty input gives ''."""
    if not revisions:
        return ""
    return PREFIX + "~".join(f"{org}.{rev}" for org, rev in sorted(revisions.items()))


def decode(token: str) -> dict[str, int]:
    """The revisions a token names; BadToken (422) for anything we did not issue."""
    if not _SHAPE.match(token):
        raise BadToken("That is not a consistency token issued by this service.")
    revisions: dict[str, int] = {}
    for pair in token[len(PREFIX) :].split("~"):
        org, _, rev = pair.partition(".")
        revisions[org] = max(int(rev), revisions.get(org, 0))
    return revisions


def merge(*parts: Mapping[str, int]) -> dict[str, int]:
    """The freshest revision of each organization across several tokens' revisions."""
    merged: dict[str, int] = {}
    for part in parts:
        for org, rev in part.items():
            merged[org] = max(rev, merged.get(org, 0))
    return merged


@dataclass(frozen=True, slots=True)
class Consistency:
    """How fresh an answer must be (SpiceDB's three levels):

    - the default: from the cache, which the process keeps coherent (push invalidation on
      PostgreSQL, the data version on SQLite; per-check validation while neither is up);
    - ``at_least``: no staler than these revisions (a write's token): older cache entries
      are read through;
    - ``full``: validated against the database now, whatever the cache holds.
    """

    at_least: Mapping[str, int] = field(default_factory=dict)
    full: bool = False

    @classmethod
    def of(cls, token: str | None, *, fully_consistent: bool = False) -> Consistency:
        return cls(decode(token) if token else {}, fully_consistent)

    def satisfied_by(self, depends_on: Mapping[str, int]) -> bool:
        """Whether data read at ``depends_on`` revisions is at least as fresh as asked."""
        return all(depends_on.get(org, rev) >= rev for org, rev in self.at_least.items())


MINIMIZE_LATENCY = Consistency()
FULLY_CONSISTENT = Consistency(full=True)
