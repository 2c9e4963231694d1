"""Failed credential exchanges answered alike: no user enumeration through the guard.

The app is a Starlette sign-in API written the common way: 404 "no account for
this email" with a lookup header, 401 "incorrect password" with ``WWW-Authenticate``.
Its contract declares both answers, so the contract alone cannot object.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from apiward.core.errors import ConfigError
from apiward.guard import AuditPolicy, CredentialFailuresPolicy, Guard, Policy
from apiward.spec import Api, load

CONTRACT = """
openapi: 3.0.3
info: {title: studio sign-in, version: "1.4"}
paths:
  /api/sessions:
    post:
      operationId: signIn
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [email, password]
              properties:
                email: {type: string}
                password: {type: string}
      responses:
        "201": {description: signed in}
        "401": {description: incorrect password}
        "404": {description: no such account}
  /api/accounts/{email}:
    get:
      operationId: getAccount
      parameters: [{name: email, in: path, required: true, schema: {type: string}}]
      responses:
        "200": {description: the account}
        "404": {description: no such account}
"""
ACCOUNTS = {"mira@studio.test": "correct horse battery staple"}


async def sign_in(request: Request) -> JSONResponse:
    body = await request.json()
    password = ACCOUNTS.get(body["email"])
    if password is None:
        return JSONResponse(
            {"detail": "No account for this email"},
            status_code=404,
            headers={"x-account-lookup": "miss"},
        )
    if body["password"] != password:
        return JSONResponse(
            {"detail": "Incorrect password", "attempts_left": 4},
            status_code=401,
            headers={"www-authenticate": 'Bearer realm="studio"'},
        )
    return JSONResponse({"token": "s3ss10n"}, status_code=201)


async def account(request: Request) -> JSONResponse:
    email = request.path_params["email"]
    if email not in ACCOUNTS:
        return JSONResponse({"detail": "Not found"}, status_code=404)
    return JSONResponse({"email": email})


APP = Starlette(
    routes=[
        Route("/api/sessions", sign_in, methods=["POST"]),
        Route("/api/accounts/{email}", account),
    ]
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Api:
    path = tmp_path_factory.mktemp("contract") / "studio.yaml"
    path.write_text(CONTRACT)
    return load(path)


def _attempts(url: str) -> tuple[httpx.Response, httpx.Response, httpx.Response]:
    with httpx.Client(base_url=url, timeout=20) as http:
        unknown = http.post("/api/sessions", json={"email": "nobody@studio.test", "password": "x"})
        wrong = http.post("/api/sessions", json={"email": "mira@studio.test", "password": "x"})
        right = http.post(
            "/api/sessions",
            json={"email": "mira@studio.test", "password": ACCOUNTS["mira@studio.test"]},
        )
    return unknown, wrong, right


def _shape(response: httpx.Response) -> tuple[int, list[tuple[str, str]], dict[str, Any]]:
    # What differs per request, whoever asks: the problem's instance (the request id),
    # the body's length with it, and the rate-limit count left.
    per_request = {"date", "content-length", "ratelimit"}
    headers = sorted(
        (k, "(per request)" if k in per_request else v) for k, v in response.headers.items()
    )
    body = {k: v for k, v in response.json().items() if k != "instance"}
    return response.status_code, headers, body


def test_without_the_stage_the_app_tells_which_accounts_exist(
    serve: Callable[[Any], Any], api: Api
) -> None:
    guard = serve(Guard(APP, policy=Policy(), api=api))
    unknown, wrong, _ = _attempts(guard.url)
    assert (unknown.status_code, wrong.status_code) == (404, 401)


def test_no_such_user_and_wrong_password_get_the_same_answer(
    serve: Callable[[Any], Any], api: Api, tmp_path: Path
) -> None:
    policy = Policy(
        credential_failures=CredentialFailuresPolicy(enabled=True),
        audit=AuditPolicy(sink=str(tmp_path / "audit.jsonl")),
    )
    guard = serve(Guard(APP, policy=policy, api=api))
    unknown, wrong, right = _attempts(guard.url)
    assert _shape(unknown) == _shape(wrong)
    assert unknown.status_code == 401
    assert unknown.json()["type"] == "https://apiward.dev/problems/authn.invalid-credentials"
    assert "x-account-lookup" not in unknown.headers
    assert "www-authenticate" not in wrong.headers
    assert (right.status_code, right.json()) == (201, {"token": "s3ss10n"})
    events = [orjson.loads(line) for line in (tmp_path / "audit.jsonl").read_bytes().splitlines()]
    reasons = [e["extra"].get("authentication") for e in events if e["kind"] == "decision"]
    assert reasons == ["the app answered 404", "the app answered 401"]


def test_other_operations_keep_their_own_answers(serve: Callable[[Any], Any], api: Api) -> None:
    policy = Policy(credential_failures=CredentialFailuresPolicy(enabled=True))
    guard = serve(Guard(APP, policy=policy, api=api))
    with httpx.Client(base_url=guard.url, timeout=20) as http:
        missing = http.get("/api/accounts/nobody@studio.test")
    assert (missing.status_code, missing.json()) == (404, {"detail": "Not found"})


def test_the_policy_can_name_an_operation_the_contract_does_not_show(
    serve: Callable[[Any], Any], api: Api
) -> None:
    policy = Policy(
        credential_failures=CredentialFailuresPolicy(
            enabled=True, operations=("GET /api/accounts/{email}",), statuses=(404,)
        )
    )
    guard = serve(Guard(APP, policy=policy, api=api))
    with httpx.Client(base_url=guard.url, timeout=20) as http:
        missing = http.get("/api/accounts/nobody@studio.test")
    assert missing.status_code == 401


def test_an_operation_the_api_lacks_is_a_config_error(api: Api, tmp_path: Path) -> None:
    policy = Policy(
        credential_failures=CredentialFailuresPolicy(enabled=True, operations=("POST /api/login",))
    )
    with pytest.raises(ConfigError, match="not an operation"):
        Guard(APP, policy=policy, api=api)
    path = tmp_path / "apiward.yaml"
    path.write_text("credential_failures: {enabled: true, statuses: [200]}\n")
    with pytest.raises(ConfigError):
        Policy.load(path)
