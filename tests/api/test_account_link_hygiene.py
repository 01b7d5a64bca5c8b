"""Account links (confirmation, claim, reset, email change) and second-factor challenges
appear in the email only: in no database column, audit row, API answer or log line."""

from __future__ import annotations

import logging

import httpx
from sqlalchemy import select

from tenantry.logs import redact
from tenantry.store.registry import metadata
from tests.api.accounts_mail import LINK, mails_to
from tests.api.conftest import PASSWORD


def test_account_links_are_in_the_mail_only(api_for, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    api = api_for("distribu")
    answers: list[httpx.Response] = []

    def post(path: str, body: dict[str, object], token: str | None = None) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = api.http.post(path, json=body, headers=headers)
        answers.append(response)
        return response

    post("/v1/auth/signup", {"email": "ann@example.com", "name": "Ann", "password": PASSWORD})
    post("/v1/auth/signup", {"email": "ann@example.com", "name": "Bea", "password": PASSWORD})
    token = post("/v1/auth/signin", {"email": "ann@example.com", "password": PASSWORD}).json()[
        "token"
    ]
    post("/v1/me/email", {"new_email": "ann@new.example.com", "password": PASSWORD}, token)
    post("/v1/auth/password-reset", {"email": "ann@example.com"})
    secrets = []
    for address in ("ann@example.com", "ann@new.example.com"):
        for _, body in mails_to(api.t, address):
            secrets += [found.group(2) for found in LINK.finditer(body)]
    assert {s[:4] for s in secrets} == {"tnv_", "tnc_", "tne_", "tnr_"}
    for secret in secrets:  # use each: its answer must not hold it either
        page = {"tnv_": "/v1/auth/verify", "tnc_": "/v1/auth/claim"}.get(secret[:4])
        if page:
            post(page, {"token": secret, "password": "not the one"})
    reset = next(s for s in secrets if s.startswith("tnr_"))
    post("/v1/auth/password-reset/complete", {"token": reset, "new_password": "brand new one!"})

    dump = []
    with api.t.db.reading() as s:
        for table in metadata.sorted_tables:
            dump += [repr(tuple(row)) for row in s.execute(select(table))]
    stored = "\n".join(dump)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    answered = "\n".join(r.text + repr(dict(r.headers)) for r in answers)
    for secret in secrets:
        hidden = secret.split("_", 2)[2]  # the secret part; the lookup before it is no secret
        assert hidden not in stored, secret[:4]
        assert hidden not in logged, secret[:4]
        assert hidden not in answered, secret[:4]
        assert hidden not in redact(f"POST /reset/{secret} 200"), secret[:4]
