"""Against a real ``tenantry serve`` process: an access token issued over the wire verifies
with the keys the server publishes (as a service would fetch them), and the AuthZEN
endpoints answer with the request id echoed, on a decision and on a 400."""

from __future__ import annotations

import httpx
import jwt

from tests.api.conftest import sign_up_and_in
from tests.web._served import serving


def test_a_served_token_verifies_and_authzen_echoes_the_request_id(tmp_path):
    with serving(tmp_path) as base, httpx.Client(base_url=base) as http:
        token, org_id = sign_up_and_in(http, "olive@example.com")
        auth = {"Authorization": f"Bearer {token}"}
        me = http.get("/v1/me", headers=auth).json()["user"]["id"]

        issued = http.post("/v1/auth/token", json={"org_id": org_id}, headers=auth)
        assert issued.status_code == 200, issued.text
        assert issued.headers["Cache-Control"] == "no-store"
        access = issued.json()["access_token"]
        keys = jwt.PyJWKSet.from_dict(httpx.get(f"{base}/.well-known/jwks.json").json())
        kid = jwt.get_unverified_header(access)["kid"]
        (key,) = [k for k in keys.keys if k.key_id == kid]
        claims = jwt.decode(access, key.key, algorithms=["ES256"])
        assert (claims["sub"], claims["org_id"]) == (me, org_id)

        ask = {
            "subject": {"type": "user", "id": me},
            "resource": {"type": "organization", "id": org_id},
            "action": {"name": "org.members.invite"},
            "context": {"at_least": claims["ct"]},
        }
        answer = http.post(
            "/access/v1/evaluation", json=ask, headers={**auth, "X-Request-ID": "r-1"}
        )
        assert answer.status_code == 200 and answer.json()["decision"] is True
        assert answer.headers["X-Request-ID"] == "r-1"
        bad = http.post("/access/v1/evaluation", json={}, headers={**auth, "X-Request-ID": "r-2"})
        assert bad.status_code == 400 and bad.headers["X-Request-ID"] == "r-2"
