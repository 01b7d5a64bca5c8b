"""The OpenAPI schema, specialised to the policy in force: role, permission, kind and
resource-type fields list exactly the values this deployment accepts, and role lists carry
the policy's cardinality. Clients (and schemathesis) see the same rules the services
enforce, generated from the one policy file."""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from tenantry.policy.model import ORGANIZATION, MembershipMode, Policy


def _enum(values: list[str]) -> dict[str, Any]:
    # an empty enum is not valid JSON Schema: a policy without any allows nothing
    return {"type": "string", "enum": values} if values else {"not": {}}


def _list_rules(policy: Policy) -> tuple[dict[str, Any], dict[str, Any]]:
    """(roles, permissions) constraints for "what to give a member" lists."""
    roles = [r.name for r in policy.roles.values()]
    perms = [p.id for p in policy.org_permissions]
    role_list: dict[str, Any] = {"type": "array", "items": _enum(roles)}
    perm_list: dict[str, Any] = {"type": "array", "items": _enum(perms), "uniqueItems": True}
    if policy.membership is MembershipMode.ONE_ROLE:
        role_list |= {"minItems": 1, "maxItems": 1}
        perm_list = {"type": "array", "maxItems": 0}
    elif policy.membership is MembershipMode.MANY_ROLES:
        role_list |= {"minItems": 1, "uniqueItems": True}
        perm_list = {"type": "array", "maxItems": 0}
    else:
        role_list = {"type": "array", "maxItems": 0}
        perm_list |= {"minItems": 1}
    return role_list, perm_list


def _specialise(schema: dict[str, Any], policy: Policy) -> dict[str, Any]:
    schema = copy.deepcopy(schema)
    comps = schema.get("components", {}).get("schemas", {})
    role_list, perm_list = _list_rules(policy)
    resource_roles = sorted({r for t in policy.resource_types.values() for r in t.roles})
    visibilities = sorted({v for t in policy.resource_types.values() for v in t.visibilities})
    kinds = [k.name for k in policy.kinds.values() if not k.derived_from_resource]
    org_perms = [p.id for p in policy.org_permissions]
    resource_perms = [p.id for p in policy.permissions.values() if p.scope != ORGANIZATION]

    def props(name: str) -> dict[str, Any]:
        return comps.get(name, {}).get("properties", {})  # type: ignore[no-any-return]

    for model in ("InviteIn", "KeyIn"):
        if model in comps:
            comps[model]["properties"]["roles"] = role_list | {"default": []}
            comps[model]["properties"]["permissions"] = perm_list | {"default": []}
            # what the policy gives is what must be sent: roles, or permissions one by one
            needed = "permissions" if policy.membership is MembershipMode.PERMISSIONS else "roles"
            comps[model]["required"] = sorted(set(comps[model].get("required", [])) | {needed})
    if "MemberUpdateIn" in comps:
        props("MemberUpdateIn")["roles"] = {"anyOf": [role_list, {"type": "null"}]}
        props("MemberUpdateIn")["permissions"] = {
            "anyOf": [perm_list | {"minItems": 0}, {"type": "null"}]
        }
    if "InviteIn" in comps:
        grants = props("InviteIn")["resource_grants"]
        grants["additionalProperties"] = _enum(resource_roles)
    if "AccessIn" in comps:
        access = props("AccessIn")["changes"]
        access["additionalProperties"] = {"anyOf": [_enum(resource_roles), {"type": "null"}]}
    if "ResourceIn" in comps:
        props("ResourceIn")["type"] = _enum(list(policy.resource_types))
        props("ResourceIn")["visibility"] = {"anyOf": [_enum(visibilities), {"type": "null"}]}
    if "ResourceUpdateIn" in comps:
        props("ResourceUpdateIn")["visibility"] = {"anyOf": [_enum(visibilities), {"type": "null"}]}
    if "OrgIn" in comps:
        props("OrgIn")["kind"] = {"anyOf": [_enum(kinds), {"type": "null"}]}
    if "CrossRoleIn" in comps:
        props("CrossRoleIn")["role"] = _enum([r.name for r in policy.roles.values() if r.cross_org])
    if "CheckIn" in comps:
        base = comps["CheckIn"]
        org_check = copy.deepcopy(base)
        org_check["properties"]["permission"] = _enum(org_perms)
        org_check["properties"]["resource_id"] = {"type": "null"}
        variants = [org_check]
        if resource_perms:
            res_check = copy.deepcopy(base)
            res_check["properties"]["permission"] = _enum(resource_perms)
            res_check["properties"]["resource_id"] = {
                "type": "string",
                "minLength": 1,
                "maxLength": 64,
            }
            res_check["required"] = sorted(set(base.get("required", [])) | {"resource_id"})
            variants.append(res_check)
        comps["CheckIn"] = {"title": "CheckIn", "oneOf": variants}

    query_enums = {
        "role": [r.name for r in policy.roles.values()],
        "permission": org_perms,  # "who can do P here" is asked of the organization
        "type": list(policy.resource_types),
    }
    for path, item in schema.get("paths", {}).items():
        for operation in item.values():
            for param in operation.get("parameters", []):
                values = query_enums.get(param.get("name", ""))
                if param.get("name") == "permission" and (
                    "/lookup/" in path or "/subjects" in path
                ):
                    values = resource_perms  # asked of resources
                if param.get("in") == "query" and values is not None:
                    enum = _enum(values)
                    param["schema"] = (
                        enum if param.get("required") else {"anyOf": [enum, {"type": "null"}]}
                    )
    _without_nul(schema)
    return schema


NO_NUL = "^[^\\u0000]*$"


def _without_nul(node: Any) -> None:
    """No string the API takes may hold NUL (``api.text`` answers 422): every free-form
    string and map key says so (the patterns already present exclude it too)."""
    if isinstance(node, dict):
        free = not {"pattern", "enum", "const", "format"} & node.keys()
        if node.get("type") == "string" and free:
            node["pattern"] = NO_NUL
        if isinstance(node.get("additionalProperties"), dict):
            names = node.setdefault("propertyNames", {})
            if not {"pattern", "enum", "const"} & names.keys():
                names["pattern"] = NO_NUL
        for value in node.values():
            _without_nul(value)
    elif isinstance(node, list):
        for item in node:
            _without_nul(item)


def install(app: FastAPI, policy: Policy) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            base = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            app.openapi_schema = _specialise(base, policy)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
