"""Organization-owned API keys."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from tenantry.api import schemas
from tenantry.api.deps import App, OrgAccess, OrgContext, Tx, require
from tenantry.api.route import ApiRoute
from tenantry.apikeys import service as apikeys

router = APIRouter(prefix="/v1/orgs/{org_id}/api-keys", tags=["api keys"], route_class=ApiRoute)
KeyManager = Annotated[OrgContext, Depends(require(lambda t: t.policy.api_keys_permission))]


@router.post("", status_code=201, summary="Create an API key (its token is shown once)")
def create_key(body: schemas.KeyIn, ctx: OrgAccess, t: App, s: Tx) -> schemas.KeyCreatedOut:
    """The key belongs to the organization: it keeps working after its creator leaves. It
    acts with the roles / permissions given here, which cannot exceed the creator's."""
    key, token = apikeys.create_key(
        s,
        t.authz,
        actor=ctx.principal.actor,
        org_id=ctx.org_id,
        name=body.name,
        roles=body.roles,
        permissions=body.permissions,
    )
    return schemas.KeyCreatedOut(**schemas.KeyOut.model_validate(key).model_dump(), token=token)


@router.get("", summary="The organization's live API keys")
def list_keys(ctx: KeyManager, s: Tx) -> list[schemas.KeyOut]:
    return [schemas.KeyOut.model_validate(k) for k in apikeys.list_keys(s, ctx.org_id)]


@router.delete("/{key_id}", status_code=204, summary="Revoke an API key")
def revoke_key(key_id: str, ctx: OrgAccess, t: App, s: Tx) -> None:
    apikeys.revoke_key(s, t.authz, actor=ctx.principal.actor, org_id=ctx.org_id, key_id=key_id)
