"""An audit event in words, with the policy's role and permission labels: "Olive changed
Carol's roles from Member to Admin". The dashboard shows these; exports keep the raw fields."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from tenantry.audit.models import AuditEvent
from tenantry.policy import Policy


class Words:
    """Describes events of one policy; ``names`` maps user ids to display names (those of
    the page's actors and targets; an unknown id shows the email the event kept)."""

    def __init__(self, policy: Policy, names: Mapping[str, str] | None = None) -> None:
        self.policy = policy
        self.names = names or {}

    def role(self, name: str, resource_type: str | None = None) -> str:
        spec = self.policy.resource_types.get(resource_type or "")
        roles = spec.roles if spec is not None else self.policy.roles
        found = roles.get(name) or self.policy.roles.get(name)
        return found.label if found is not None else name

    def roles(self, names: Iterable[str], resource_type: str | None = None) -> str:
        labels = [self.role(n, resource_type) for n in names]
        return _listing(labels) if labels else "no role"

    def permissions(self, ids: Iterable[str]) -> str:
        labels = [p.label if (p := self.policy.permissions.get(i)) else i for i in ids]
        return _listing(labels) if labels else "no permission"

    def actor(self, event: AuditEvent) -> str:
        if event.actor_id is not None and event.actor_id in self.names:
            return self.names[event.actor_id]
        if event.actor.startswith("api-key:"):
            return f"API key {event.actor.removeprefix('api-key:')}"
        return "The operator" if event.actor == "operator" else event.actor

    def target(self, event: AuditEvent) -> str:
        if event.target_id is not None and event.target_id in self.names:
            return self.names[event.target_id]
        return event.target or "something"

    def describe(self, event: AuditEvent) -> str:
        """One sentence for the event; an action this module does not know reads plainly."""
        phrase = _PHRASES.get(event.action)
        said = phrase(self, event, event.before or {}, event.after or {}) if phrase else None
        if said is None:
            said = f"{event.action.replace('.', ' ').replace('_', ' ')} {self.target(event)}"
        return f"{self.actor(event)} {said}"


def _listing(items: list[str]) -> str:
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + f" and {items[-1]}"


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> str:
    parts = [
        f"{key} from {before.get(key)!r} to {after.get(key)!r}"
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    ]
    return _listing(parts) if parts else "nothing"


def _with_permissions(w: Words, after: Mapping[str, Any]) -> str:
    held = after.get("permissions") or []
    return f" with {w.permissions(held)}" if held else ""


Phrase = Callable[[Words, AuditEvent, Mapping[str, Any], Mapping[str, Any]], str | None]


def _member_added(w: Words, e: AuditEvent, b: Mapping[str, Any], a: Mapping[str, Any]) -> str:
    roles = a.get("roles") or []
    given = f" as {w.roles(roles)}" if roles else ""
    return f"added {w.target(e)}{given}{_with_permissions(w, a)}"


def _roles_changed(w: Words, e: AuditEvent, b: Mapping[str, Any], a: Mapping[str, Any]) -> str:
    old, new = b.get("roles") or [], a.get("roles") or []
    noun = "role" if len(old) <= 1 and len(new) <= 1 else "roles"
    return f"changed {_possessive(w.target(e))} {noun} from {w.roles(old)} to {w.roles(new)}"


def _permissions_changed(
    w: Words, e: AuditEvent, b: Mapping[str, Any], a: Mapping[str, Any]
) -> str:
    old, new = set(b.get("permissions") or []), set(a.get("permissions") or [])
    parts = []
    if new - old:
        parts.append(f"gave {w.target(e)} {w.permissions(sorted(new - old))}")
    if old - new:
        verb = "took away" if parts else f"took away from {w.target(e)}"
        parts.append(f"{verb} {w.permissions(sorted(old - new))}")
    return " and ".join(parts) or f"left {_possessive(w.target(e))} permissions as they were"


def _member_removed(w: Words, e: AuditEvent, b: Mapping[str, Any], a: Mapping[str, Any]) -> str:
    roles = b.get("roles") or []
    held = f" (who held {w.roles(roles)})" if roles else ""
    return f"removed {w.target(e)}{held}"


def _member_left(w: Words, e: AuditEvent, b: Mapping[str, Any], a: Mapping[str, Any]) -> str:
    roles = b.get("roles") or []
    return "left the organization" + (f" (holding {w.roles(roles)})" if roles else "")


def _invited(w: Words, e: AuditEvent, b: Mapping[str, Any], a: Mapping[str, Any]) -> str:
    roles = a.get("roles") or []
    return f"invited {w.target(e)}" + (f" as {w.roles(roles)}" if roles else "")


def _accepted(w: Words, e: AuditEvent, b: Mapping[str, Any], a: Mapping[str, Any]) -> str:
    roles = a.get("roles") or []
    return "accepted the invitation" + (f" and joined as {w.roles(roles)}" if roles else "")


def _resource_access(w: Words, e: AuditEvent, b: Mapping[str, Any], a: Mapping[str, Any]) -> str:
    role = a.get("role")
    given = f"the role {w.role(role, e.target_type)}" if role else "no role"
    return f"gave {w.target(e)} {given} ({w.permissions(a.get('permissions') or [])})"


def _api_key(verb: str) -> Phrase:
    def phrase(w: Words, e: AuditEvent, b: Mapping[str, Any], a: Mapping[str, Any]) -> str:
        roles = a.get("roles") or []
        given = f" with {w.roles(roles)}" if roles else ""
        return f"{verb} API key {e.target or ''}{given}{_with_permissions(w, a)}".replace("  ", " ")

    return phrase


def _plain(template: str) -> Phrase:
    def phrase(w: Words, e: AuditEvent, b: Mapping[str, Any], a: Mapping[str, Any]) -> str:
        kind = w.policy.resource_types.get(e.target_type or "")
        return template.format(
            target=w.target(e),
            kind=kind.label if kind is not None else "resource",
            before=w.role(str(b.get("role", ""))),
            after=w.role(str(a.get("role", ""))),
        )

    return phrase


def _updated(what: str) -> Phrase:
    def phrase(w: Words, e: AuditEvent, b: Mapping[str, Any], a: Mapping[str, Any]) -> str:
        return f"changed {what} {w.target(e)}: {_changes(b, a)}"

    return phrase


def _refused(w: Words, e: AuditEvent, b: Mapping[str, Any], a: Mapping[str, Any]) -> str:
    missing = a.get("permission")
    why = f" (lacking {w.permissions([missing])})" if isinstance(missing, str) else ""
    return f"was refused {e.target}: {a.get('code', 'denied')}{why}"


def _disabled(w: Words, e: AuditEvent, b: Mapping[str, Any], a: Mapping[str, Any]) -> str:
    failures = a.get("failures")
    why = f" after {failures} failed deliveries in a row" if failures else ""
    return f"disabled the webhook {w.target(e)}{why}"


def _two_factor(w: Words, e: AuditEvent, b: Mapping[str, Any], a: Mapping[str, Any]) -> str:
    return "required two-factor sign-in" if a.get("required") else "stopped requiring two-factor"


_PHRASES: dict[str, Phrase] = {
    "org.created": _plain("created the organization {target}"),
    "org.updated": _updated("the organization"),
    "org.deleted": _plain("deleted the organization {target}"),
    "org.ownership_transferred": _plain("transferred ownership to {target}"),
    "org.two_factor_requirement": _two_factor,
    "member.added": _member_added,
    "member.roles_changed": _roles_changed,
    "member.permissions_changed": _permissions_changed,
    "member.removed": _member_removed,
    "member.left": _member_left,
    "ownership.transfer_requested": _plain("asked for ownership to go to {target}"),
    "cross_role.granted": _plain("gave {target} the role {after} here"),
    "cross_role.revoked": _plain("took the role {before} here away from {target}"),
    "resource.created": _plain("created the {kind} {target}"),
    "resource.updated": _updated("the resource"),
    "resource.deleted": _plain("deleted the {kind} {target}"),
    "resource.access_changed": _resource_access,
    "invitation.sent": _invited,
    "invitation.resent": _plain("sent the invitation to {target} again"),
    "invitation.cancelled": _plain("cancelled the invitation to {target}"),
    "invitation.accepted": _accepted,
    "api_key.created": _api_key("created"),
    "api_key.revoked": _api_key("revoked"),
    "access.denied": _refused,
    "webhook.created": _plain("added the webhook {target}"),
    "webhook.updated": _updated("the webhook"),
    "webhook.deleted": _plain("deleted the webhook {target}"),
    "webhook.secret_rotated": _plain("rotated the secret of the webhook {target}"),
    "webhook.redelivered": _plain("sent an event to the webhook {target} again"),
    "webhook.disabled": _disabled,
    "signing_key.rotated": _plain("rotated the key that signs access tokens"),
}


def known_actions() -> list[str]:
    """The actions this module puts in words, for a filter's choices."""
    return sorted(_PHRASES)
