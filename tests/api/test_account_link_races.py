"""One account link, many requests at once, against a real uvicorn on loopback: exactly one
uses it. Shown red on PostgreSQL with the row lock taken out of ``links.spend`` (two
transactions both read the link unused)."""

from __future__ import annotations

import pyotp
from sqlalchemy import func, select

from tenantry.accounts.models import User
from tests.api.accounts_mail import link_token
from tests.api.conftest import PASSWORD
from tests.api.test_idempotency import race, server  # noqa: F401 (fixture)

K = 8


def _outcomes(answers):
    return sorted((a.status_code, a.json().get("error", {}).get("code")) for a in answers)


def test_one_reset_link_used_by_many_requests_at_once_sets_one_password(server) -> None:  # noqa: F811
    base, api = server
    api.sign_up("ann@example.com")
    api.http.post("/v1/auth/password-reset", json={"email": "ann@example.com"})
    token = link_token(api.t, "ann@example.com", "reset")
    body = {"token": token, "new_password": "one new password"}
    answers = race(base, "POST", "/v1/auth/password-reset/complete", body, {}, K)
    assert _outcomes(answers) == [(200, None)] + [(410, "LINK_USED")] * (K - 1)


def test_one_claim_link_used_by_many_requests_at_once_makes_one_account(server) -> None:  # noqa: F811
    base, api = server
    api.sign_up("gil@example.com", verified=False)
    body = {"email": "gil@example.com", "name": "Gil", "password": PASSWORD}
    api.http.post("/v1/auth/signup", json=body)
    token = link_token(api.t, "gil@example.com", "claim")
    claim = {"token": token, "password": PASSWORD}
    answers = race(base, "POST", "/v1/auth/claim", claim, {}, K)
    assert _outcomes(answers) == [(201, None)] + [(410, "LINK_USED")] * (K - 1)
    with api.t.db.reading() as s:
        assert s.scalar(select(func.count()).select_from(User)) == 2  # the squatter, Gil


def test_wrong_second_factor_codes_sent_at_once_get_five_tries_in_all(server) -> None:  # noqa: F811
    base, api = server
    amy = api.sign_up("amy@example.com")
    auth = {"Authorization": f"Bearer {amy.signed.token}"}
    secret = api.http.post("/v1/me/two-factor/setup", headers=auth).json()["secret"]
    code = pyotp.TOTP(secret).now()
    assert api.http.post("/v1/me/two-factor/enable", json={"code": code}, headers=auth).is_success
    step = api.http.post("/v1/auth/signin", json={"email": "amy@example.com", "password": PASSWORD})
    challenge = step.json()["error"]["details"]["challenge"]
    wrong = {"challenge": challenge, "code": "000000" if code != "000000" else "111111"}
    answers = race(base, "POST", "/v1/auth/signin/second-factor", wrong, {}, 3 * K)
    judged = [a for a in _outcomes(answers) if a == (401, "WRONG_CODE")]
    assert len(judged) <= 5, _outcomes(answers)
    assert {a for a in _outcomes(answers)} <= {(401, "WRONG_CODE"), (429, "RATE_LIMITED")}
