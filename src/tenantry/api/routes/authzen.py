"""The AuthZEN Authorization API 1.0 (OpenID Foundation), mapped onto Tenantry's checks, so
any policy enforcement point that speaks it can ask Tenantry for decisions.

- ``subject``: ``{"type": "user", "id": <user id>}``.
- ``action``: ``{"name": <a permission of the policy>}``.
- ``resource``: ``{"type": "organization", "id": <org id>}`` (a kind of the policy, such as
  ``company``, is read the same), or ``{"type": <resource type>, "id": <resource id>}``.
- ``context``: free; Tenantry reads ``at_least`` (a write's consistency token),
  ``fully_consistent`` and ``explain``.

The caller authenticates as for ``POST /v1/check`` (a session or an API key) and may ask
what ``/v1/check`` lets it ask: about itself always, about others with the policy's view
permission there. A request the API cannot read is a 400. In a batch, an evaluation that
cannot be made (an organization the caller cannot see, an unknown permission) is
``decision: false`` with the reason in its context; alone, it is the error itself.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError
from sqlalchemy import select

from tenantry.api import authzen_schemas as az
from tenantry.api import schemas
from tenantry.api.deps import App, CurrentPrincipal, OrgContext, Principal
from tenantry.api.errors import ACCESS_PATH, STATUS, http_status, validation_problems
from tenantry.api.route import ApiRoute
from tenantry.api.routes.checks import answer_checks, merged_consistency
from tenantry.core import Tenantry
from tenantry.errors import DomainError, Invalid, NotFound
from tenantry.resources.models import Resource

router = APIRouter(prefix=ACCESS_PATH, tags=["authzen"], route_class=ApiRoute)
ORGANIZATION = "organization"
_NO_RESOURCE = "No such resource in this organization."


def _org_types(t: Tenantry) -> set[str]:
    return {ORGANIZATION, *t.policy.kinds}


def _check_of(t: Tenantry, ev: az.EvaluationIn) -> schemas.CheckIn:
    """The Tenantry check an evaluation asks (Invalid or NotFound when there is none)."""
    if ev.subject.type != "user":
        raise Invalid(f'Unknown subject type {ev.subject.type!r}; Tenantry answers about "user".')
    if ev.action.name not in t.policy.permissions:
        raise Invalid(f"Unknown action {ev.action.name!r}: not a permission of this policy.")
    ctx = ev.context or az.Context()
    common: dict[str, Any] = {
        "user_id": ev.subject.id,
        "permission": ev.action.name,
        "explain": ctx.explain,
        "at_least": ctx.at_least,
        "fully_consistent": ctx.fully_consistent,
    }
    rtype = ev.resource.type
    if rtype in _org_types(t):
        return _check(org_id=ev.resource.id, **common)
    if rtype not in t.policy.resource_types:
        raise Invalid(
            f"Unknown resource type {rtype!r}; use {ORGANIZATION!r} or one of "
            f"{', '.join(t.policy.resource_types) or 'none'}."
        )
    with t.db.reading() as s:
        org_id = s.scalar(
            select(Resource.org_id).where(Resource.id == ev.resource.id, Resource.type == rtype)
        )
    if org_id is None:  # the same answer as for one the caller may not see
        raise NotFound(_NO_RESOURCE)
    return _check(org_id=org_id, resource_id=ev.resource.id, **common)


def _check(**fields: Any) -> schemas.CheckIn:
    try:
        return schemas.CheckIn.model_validate(fields)
    except ValidationError as exc:
        raise Invalid(validation_problems(exc.errors())[1]) from None


def _decision(answer: schemas.CheckOut) -> az.DecisionOut:
    context: dict[str, Any] = {"checked_at": answer.checked_at, "revision": answer.revision}
    if answer.explanation is not None:
        context["reasons"] = answer.explanation
    return az.DecisionOut(decision=answer.allowed, context=context)


def _refusal(exc: DomainError) -> az.DecisionOut:
    status = http_status(ACCESS_PATH, STATUS[exc.kind])
    error = {"status": status, "code": exc.code, "message": exc.message}
    return az.DecisionOut(decision=False, context={"error": error})


def _evaluate(
    t: Tenantry,
    principal: Principal,
    ev: az.EvaluationIn,
    callers: dict[str, OrgContext] | None = None,
) -> az.DecisionOut:
    check = _check_of(t, ev)
    try:
        answer = answer_checks(t, principal, [check], merged_consistency([check]), callers)[0]
    except NotFound:
        if check.resource_id is None:
            raise
        # a resource in an organization the caller cannot see answers as one that does not
        # exist: never "no such organization", which would say the resource is real
        raise NotFound(_NO_RESOURCE) from None
    return _decision(answer)


@router.post("/evaluation", summary="AuthZEN: may this subject do this action on this resource?")
def evaluation(body: az.EvaluationIn, principal: CurrentPrincipal, t: App) -> az.DecisionOut:
    """One decision: ``{"decision": true|false, "context": {...}}``."""
    return _evaluate(t, principal, body)


@router.post("/evaluations", summary="AuthZEN: many decisions in one call")
def evaluations(
    body: az.EvaluationsIn, principal: CurrentPrincipal, t: App
) -> az.EvaluationsOut | az.DecisionOut:
    """Each item of ``evaluations`` takes what it leaves out from the request's top level.
    ``options.evaluations_semantic``: ``execute_all`` (default), ``deny_on_first_deny`` or
    ``permit_on_first_permit`` (the answer stops after the first such decision). Without
    ``evaluations``, the request is one evaluation and so is the answer."""
    if not body.evaluations:
        return _evaluate(t, principal, _merged(body, az.Item()))
    semantic = (body.options or az.Options()).evaluations_semantic
    out: list[az.DecisionOut] = []
    callers: dict[str, OrgContext] = {}  # the caller's access per organization, read once
    for item in body.evaluations:
        try:
            decision = _evaluate(t, principal, _merged(body, item), callers)
        except DomainError as exc:
            if STATUS[exc.kind] == 401:
                raise  # the caller, not the evaluation
            decision = _refusal(exc)
        out.append(decision)
        if (semantic == "deny_on_first_deny" and not decision.decision) or (
            semantic == "permit_on_first_permit" and decision.decision
        ):
            break
    return az.EvaluationsOut(evaluations=out)


def _merged(body: az.EvaluationsIn, item: az.Item) -> az.EvaluationIn:
    subject, action, resource = (
        item.subject or body.subject,
        item.action or body.action,
        item.resource or body.resource,
    )
    missing = [
        name
        for name, value in (("subject", subject), ("action", action), ("resource", resource))
        if value is None
    ]
    if missing:
        raise Invalid(f"An evaluation needs {' and '.join(missing)} (on it or at the top level).")
    assert subject is not None and action is not None and resource is not None
    return az.EvaluationIn(
        subject=subject, action=action, resource=resource, context=item.context or body.context
    )


well_known = APIRouter(tags=["authzen"], route_class=ApiRoute)


@well_known.get("/.well-known/authzen-configuration", summary="AuthZEN: this decision point")
def configuration(t: App) -> az.Configuration:
    """The endpoints a policy enforcement point discovers (AuthZEN metadata)."""
    base = t.invites.base_url.rstrip("/")
    return az.Configuration(
        policy_decision_point=base,
        access_evaluation_endpoint=f"{base}/access/v1/evaluation",
        access_evaluations_endpoint=f"{base}/access/v1/evaluations",
    )
