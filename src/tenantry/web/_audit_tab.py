"""What the audit tab shows: the filters a person set, one page of events in words (with the
policy's role and permission labels), the next page's cursor and the export links."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams

from tenantry.accounts.models import User
from tenantry.apikeys import service as apikeys
from tenantry.audit import service as audit
from tenantry.audit.words import Words, known_actions
from tenantry.errors import DomainError
from tenantry.members.models import Membership
from tenantry.policy import Policy

PAGE = 50
FIELDS = ("actor", "action", "target", "since", "until")


def filter_from(query: QueryParams) -> audit.Filter:
    """The dashboard's filter fields (also the export link's query); Invalid if one is wrong."""
    return audit.make_filter(
        actors=query.getlist("actor"),
        actions=query.getlist("action"),
        target_id=query.get("target") or None,
        since=audit.parse_time(query.get("since", ""), "From"),
        until=audit.parse_time(query.get("until", ""), "Until"),
    )


def tab_data(s: Session, policy: Policy, org_id: str, query: QueryParams) -> dict[str, Any]:
    problem = None
    try:
        where = filter_from(query)
    except DomainError as exc:
        where, problem = audit.EVERYTHING, exc.message
    cursor = query.get("cursor", "")
    before = int(cursor) if cursor.isdigit() and len(cursor) < 19 else None
    rows = audit.events(s, org_id, where, limit=PAGE + 1, before_seq=before)
    page = rows[:PAGE]
    people = s.execute(
        select(User.id, User.name, User.email)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.org_id == org_id)
        .order_by(User.email)
    ).all()
    named = {p.id: p.name or p.email for p in people}
    mentioned = {e.actor_id for e in page} | {e.target_id for e in page}
    missing = [i for i in mentioned if i and i not in named]
    if missing:  # people who have left still get their names
        named |= {
            u.id: u.name or u.email
            for u in s.execute(select(User.id, User.name, User.email).where(User.id.in_(missing)))
        }
    words = Words(policy, named)
    kept = [(k, v) for k in FIELDS for v in query.getlist(k) if v]
    return {
        "events": [{"event": e, "words": words.describe(e)} for e in page],
        "problem": problem,
        "chosen": {k: query.getlist(k) for k in FIELDS},
        "actions": known_actions(),
        "people": [(p.id, f"{p.name} <{p.email}>" if p.name else p.email) for p in people],
        "keys": [(k.id, f"API key {k.name}") for k in apikeys.list_keys(s, org_id)],
        "next_cursor": str(page[-1].seq) if len(rows) > PAGE and page[-1].seq else None,
        "filter_query": urlencode(kept),
    }
