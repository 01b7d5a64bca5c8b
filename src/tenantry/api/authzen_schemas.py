"""The request and response bodies of the AuthZEN Authorization API 1.0 (OpenID Foundation):
a subject, an action and a resource (each with free ``properties``), and a context.

Entities are read leniently, as the specification asks of a decision point: a field it does
not name is ignored, not refused. What Tenantry reads of them is in ``routes/authzen.py``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text = Annotated[str, StringConstraints(min_length=1, max_length=256)]
Properties = Annotated[dict[str, Any], Field(max_length=50)]


class Entity(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Subject(Entity):
    type: Text = Field(description='"user" (the id is a Tenantry user id).')
    id: Text
    properties: Properties | None = None


class Action(Entity):
    name: Text = Field(description="A permission of the policy, e.g. checkout.orders.manage.")
    properties: Properties | None = None


class Resource(Entity):
    type: Text = Field(
        description='"organization" (or a kind of the policy) with an organization id, or a '
        "resource type of the policy (workspace, checkout) with a resource id."
    )
    id: Text
    properties: Properties | None = None


class Context(Entity):
    """Free attributes of the request. Tenantry reads three, all optional: ``at_least`` (a
    consistency token from a write), ``fully_consistent`` and ``explain``."""

    model_config = ConfigDict(extra="allow")
    at_least: str | None = None
    fully_consistent: bool = False
    explain: bool = False


class EvaluationIn(Entity):
    subject: Subject
    action: Action
    resource: Resource
    context: Context | None = None


class Item(Entity):
    """One evaluation of a batch: what it leaves out comes from the request's top level."""

    subject: Subject | None = None
    action: Action | None = None
    resource: Resource | None = None
    context: Context | None = None


Semantic = Literal["execute_all", "deny_on_first_deny", "permit_on_first_permit"]


class Options(Entity):
    evaluations_semantic: Semantic = "execute_all"


class EvaluationsIn(Entity):
    subject: Subject | None = None
    action: Action | None = None
    resource: Resource | None = None
    context: Context | None = None
    evaluations: Annotated[list[Item], Field(max_length=1000)] | None = None
    options: Options | None = None


class DecisionOut(BaseModel):
    decision: bool
    context: dict[str, Any] | None = Field(
        default=None,
        description="checked_at (a consistency token for the data decided on) and revision; "
        "reasons when asked (context.explain); an error, in a batch, for an evaluation that "
        "could not be made.",
    )


class EvaluationsOut(BaseModel):
    evaluations: list[DecisionOut]


class Configuration(BaseModel):
    policy_decision_point: str
    access_evaluation_endpoint: str
    access_evaluations_endpoint: str
