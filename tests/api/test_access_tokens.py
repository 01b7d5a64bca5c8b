"""Access tokens for other services: a session becomes a short-lived ES256 JWT that another
service verifies on its own with the published keys (PyJWT, as such a service would), whose
consistency token makes that service's checks see what the holder could; keys rotate
without breaking tokens already out; a token outlives nothing it should not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from sqlalchemy import select

from tenantry import clock
from tenantry.access_tokens import service as access_tokens
from tenantry.access_tokens.models import SigningKey
from tenantry.client import ApiError, calls
from tenantry.sealing import Sealer
from tenantry.writes import Actor
from tests.api.conftest import Account, Api

ISSUER = "http://127.0.0.1:8000"  # the test service's base URL


@pytest.fixture
def api(api_for) -> Api:
    return api_for("distribu")


@pytest.fixture
def moved_clock() -> Iterator[list[datetime]]:
    """The service's clock, movable: ``when[0] += timedelta(...)``."""
    when = [datetime.now(UTC)]
    clock.set_clock(lambda: when[0])
    yield when
    clock.set_clock(None)


def _token(api: Api, who: Account, **body: object) -> dict[str, object]:
    answer = api.http.post(
        "/v1/auth/token", json=body, headers={"Authorization": f"Bearer {who.client.token}"}
    )
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def _verify(api: Api, token: str, **options: object) -> dict[str, object]:
    """What a service does: the JWKS, the key the token names, the signature and claims."""
    keys = jwt.PyJWKSet.from_dict(api.http.get("/.well-known/jwks.json").json())
    kid = jwt.get_unverified_header(token)["kid"]
    key = next(k for k in keys.keys if k.key_id == kid)
    return dict(
        jwt.decode(token, key.key, algorithms=["ES256"], issuer=ISSUER, **options)  # type: ignore[arg-type]
    )


def test_a_session_becomes_a_token_another_service_verifies_with_the_published_keys(api):
    owner = api.sign_up()
    out = _token(api, owner, org_id=owner.org_id)
    assert out["token_type"] == "Bearer" and out["expires_in"] == 300
    claims = _verify(api, str(out["access_token"]))
    assert claims["sub"] == owner.id and claims["org_id"] == owner.org_id
    assert claims["sid"] and isinstance(claims["revision"], int)
    assert int(claims["exp"]) - int(claims["iat"]) == 300  # type: ignore[call-overload]
    # the token's consistency token is one a check accepts as at_least
    check = calls.check(owner.id, "org.members.invite", owner.org_id, at_least=str(claims["ct"]))
    assert owner.client.send(check).allowed


def test_without_an_organization_the_token_names_only_the_user_and_session(api):
    owner = api.sign_up()
    claims = _verify(api, str(_token(api, owner)["access_token"]))
    assert claims["sub"] == owner.id and "org_id" not in claims and "ct" not in claims


def test_an_organization_one_cannot_reach_is_refused_as_if_it_did_not_exist(api):
    owner, stranger = api.sign_up(), api.sign_up()
    answer = api.http.post(
        "/v1/auth/token",
        json={"org_id": owner.org_id},
        headers={"Authorization": f"Bearer {stranger.client.token}"},
    )
    assert answer.status_code == 404


def test_an_api_key_cannot_be_exchanged(api):
    owner = api.sign_up()
    key = owner.client.send(calls.create_api_key(owner.org_id, "ci", roles=["admin"])).token
    answer = api.http.post("/v1/auth/token", json={}, headers={"Authorization": f"Bearer {key}"})
    assert answer.status_code == 403


@pytest.mark.parametrize("ttl", [0, 29, 3601, "300"])
def test_a_lifetime_outside_30_seconds_to_an_hour_is_refused(api, ttl):
    owner = api.sign_up()
    answer = api.http.post(
        "/v1/auth/token",
        json={"ttl_seconds": ttl},
        headers={"Authorization": f"Bearer {owner.client.token}"},
    )
    assert answer.status_code == 422


def test_a_tampered_token_and_an_expired_one_fail_verification(api, moved_clock):
    owner = api.sign_up()
    token = str(_token(api, owner, ttl_seconds=30)["access_token"])
    head, body, signature = token.split(".")
    forged = ".".join([head, body[:-2] + ("AA" if body[-2:] != "AA" else "BB"), signature])
    with pytest.raises(jwt.InvalidTokenError):
        _verify(api, forged)
    moved_clock[0] -= timedelta(minutes=5)  # issued five minutes ago, for 30 seconds
    old = str(_token(api, owner, ttl_seconds=30)["access_token"])
    moved_clock[0] += timedelta(minutes=5)
    with pytest.raises(jwt.ExpiredSignatureError):
        _verify(api, old)


def test_rotation_keeps_earlier_tokens_verifiable_until_they_expire(api, moved_clock):
    owner = api.sign_up()
    before = str(_token(api, owner, ttl_seconds=3600)["access_token"])
    with api.t.db.transaction() as s:
        access_tokens.rotate(s, api.t.sealer, actor=Actor.operator())
    after = str(_token(api, owner)["access_token"])
    first, second = (jwt.get_unverified_header(x)["kid"] for x in (before, after))
    assert first != second
    published = [k["kid"] for k in api.http.get("/.well-known/jwks.json").json()["keys"]]
    assert published == [second, first]
    assert _verify(api, before)["sub"] == owner.id  # still verifies
    # an hour on, every token the old key signed has expired: it leaves the JWKS
    moved_clock[0] += timedelta(hours=1, seconds=1)
    published = [k["kid"] for k in api.http.get("/.well-known/jwks.json").json()["keys"]]
    assert published == [second]
    with pytest.raises((jwt.ExpiredSignatureError, StopIteration)):
        _verify(api, before)


def test_the_published_keys_hold_no_private_part(api):
    owner = api.sign_up()
    _token(api, owner)
    (key,) = api.http.get("/.well-known/jwks.json").json()["keys"]
    assert key["kty"] == "EC" and key["crv"] == "P-256" and key["alg"] == "ES256"
    assert "d" not in key  # the private scalar


def test_the_exchange_needs_a_session(api):
    with pytest.raises(ApiError) as caught:
        api.anonymous.send(calls.me())
    assert caught.value.status == 401
    assert api.http.post("/v1/auth/token", json={}).status_code == 401


def test_a_token_for_one_service_names_it_and_is_never_cached(api):
    owner = api.sign_up()
    answer = api.http.post(
        "/v1/auth/token",
        json={"audience": "orders-service"},
        headers={"Authorization": f"Bearer {owner.client.token}"},
    )
    assert answer.headers["Cache-Control"] == "no-store"
    token = answer.json()["access_token"]
    assert _verify(api, token, audience="orders-service")["aud"] == "orders-service"
    with pytest.raises(jwt.InvalidAudienceError):
        _verify(api, token, audience="billing-service")


def test_a_key_sealed_under_another_secret_is_refused_not_silently_replaced(api):
    """Processes with different secret keys would otherwise retire each other's keys for
    ever: the token is refused (503) until the keys are rotated with the secret in use."""
    owner = api.sign_up()
    _token(api, owner)
    with api.t.db.transaction() as s:
        (key,) = s.scalars(select(SigningKey)).all()
        key.private_sealed = Sealer("another deployment's secret").seal("a private key")
    refused = api.http.post(
        "/v1/auth/token", json={}, headers={"Authorization": f"Bearer {owner.client.token}"}
    )
    assert refused.status_code == 503
    assert refused.json()["error"]["code"] == "SIGNING_KEY_UNREADABLE"
    with api.t.db.reading() as s:
        assert len(s.scalars(select(SigningKey)).all()) == 1  # nothing made behind our back
    with api.t.db.transaction() as s:
        access_tokens.rotate(s, api.t.sealer, actor=Actor.operator())
    assert _verify(api, str(_token(api, owner)["access_token"]))["sub"] == owner.id


def test_a_lifetime_written_as_a_whole_float_is_that_integer(api):
    """JSON has one number type: 120.0 is 120 (the fuzzer's find); 120.5 is not a lifetime."""
    owner = api.sign_up()
    for ttl, status in ((120.0, 200), (120.5, 422)):
        answer = api.http.post(
            "/v1/auth/token",
            json={"ttl_seconds": ttl},
            headers={"Authorization": f"Bearer {owner.client.token}"},
        )
        assert answer.status_code == status, answer.text
