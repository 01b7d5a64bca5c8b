"""The HTTP peer: the same check requests answered by a minimal FastAPI app under the same
uvicorn (one process), from a dict: the bearer looked up in a dict, the body validated by a
Pydantic model, the answer a mask AND. What Tenantry adds over this is its own cost.

``python -m benchmarks.http_peer PORT`` (the data comes in PEER_* variables)."""

import os
import sys
from typing import Annotated

import uvicorn
from fastapi import Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel

VIEW = 1


class CheckIn(BaseModel):
    user_id: str
    permission: str
    org_id: str
    resource_id: str | None = None


class CheckOut(BaseModel):
    allowed: bool
    permission: str
    org_id: str
    resource_id: str | None


class BatchIn(BaseModel):
    checks: list[CheckIn]


class BatchOut(BaseModel):
    results: list[CheckOut]


def build() -> FastAPI:
    tokens = {os.environ["PEER_TOKEN"]: "owner"}
    org, checkout = os.environ["PEER_ORG"], os.environ["PEER_CHECKOUT"]
    viewers = set(os.environ["PEER_VIEWERS"].split(","))
    masks = {(m, org, checkout): VIEW if m in viewers else 0
             for m in os.environ["PEER_MEMBERS"].split(",")}  # fmt: skip
    app = FastAPI()

    def caller(authorization: Annotated[str, Header()] = "") -> str:
        who = tokens.get(authorization.removeprefix("Bearer "))
        if who is None:
            raise HTTPException(401)
        return who

    def answer(c: CheckIn) -> CheckOut:
        allowed = bool(masks.get((c.user_id, c.org_id, c.resource_id), 0) & VIEW)
        return CheckOut(allowed=allowed, permission=c.permission, org_id=c.org_id,
                        resource_id=c.resource_id)  # fmt: skip

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/check")
    def check(body: CheckIn, _: Annotated[str, Depends(caller)]) -> CheckOut:
        return answer(body)

    @app.post("/v1/check/batch")
    def batch(body: BatchIn, _: Annotated[str, Depends(caller)]) -> BatchOut:
        return BatchOut(results=[answer(c) for c in body.checks])

    return app


if __name__ == "__main__":
    uvicorn.run(build(), host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
