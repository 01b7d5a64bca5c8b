"""The active policy, as data: what dashboards render role dropdowns and checkboxes from."""

from __future__ import annotations

from fastapi import APIRouter

from tenantry.api import schemas
from tenantry.api.deps import App, CurrentPrincipal
from tenantry.api.route import ApiRoute
from tenantry.policy.model import Role

router = APIRouter(prefix="/v1", tags=["policy"], route_class=ApiRoute)


def _role(role: Role) -> schemas.RoleOut:
    return schemas.RoleOut(
        name=role.name,
        scope=role.scope,
        label=role.label,
        description=role.description,
        permissions=sorted(role.permissions),
        manages=sorted(role.manages),
        unique=role.unique,
        assignable=role.assignable,
        kinds=sorted(role.kinds),
    )


@router.get("/policy", summary="The permission catalogue, roles and templates in force")
def read_policy(principal: CurrentPrincipal, t: App) -> schemas.PolicyOut:
    p = t.policy
    return schemas.PolicyOut(
        name=p.name,
        title=p.title,
        membership=p.membership.value,
        permissions=[
            schemas.PermissionOut(
                id=x.id,
                scope=x.scope,
                category=x.category,
                label=x.label,
                description=x.description,
            )
            for x in p.permissions.values()
        ],
        roles=[_role(r) for r in p.roles.values()],
        resource_roles=[_role(r) for rt in p.resource_types.values() for r in rt.roles.values()],
        templates={name: sorted(tpl.permissions) for name, tpl in p.templates.items()},
        combinations=[
            schemas.CombinationOut(roles=sorted(c.roles), permissions=sorted(c.permissions))
            for c in p.combinations
        ],
    )
