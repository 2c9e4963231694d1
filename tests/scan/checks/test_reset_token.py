"""reset_token: a password recovery that answers its token to whoever asks.

A ticketing API written the Litestar way (in Starlette): ``POST /auth/register``, ``POST
/auth/login`` (a bearer token), and ``POST /auth/password-reset {"email"}``, which the
flawed build answers with ``{"detail": "Password reset email sent", "reset_token": …}``
(the Litestar trial's F13, never looked at: a recovery is destructive by its name). The
careful build answers the same sentence alone. Either way the recovery is asked only for an
account the scan signed up: no seeded user is ever sent a reset.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

SEED = {"alice@tix.test": "alice-Pass-1", "bob@tix.test": "bob-Pass-22"}
IDENTITIES = "identities:\n" + "".join(
    f"  - name: {mail.split('@')[0]}\n    role: attendee\n    login:\n"
    f"      operation: POST /auth/login\n      json: {{email: {mail}, password: {password}}}\n"
    "      token: access_token\n"
    for mail, password in SEED.items()
)
JSON = "application/json"


def _contract() -> dict[str, Any]:
    def body(*names: str) -> dict[str, Any]:
        props = {n: {"type": "string", "format": "email"} if n == "email" else {"type": "string"} for n in names}  # fmt: skip
        return {"content": {JSON: {"schema": {"type": "object", "required": list(names), "properties": props}}}}  # fmt: skip

    def answer(status: str, **props: Any) -> dict[str, Any]:
        schema = {"type": "object", "properties": props}
        return {status: {"description": "OK", "content": {JSON: {"schema": schema}}}}

    text = {"type": "string"}
    public: list[dict[str, Any]] = []
    return {
        "openapi": "3.1.0",
        "info": {"title": "Ticketbooth", "version": "1.0.0"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/auth/register": {
                "post": {
                    "summary": "Create an attendee account",
                    "security": public,
                    "requestBody": body("email", "password"),
                    "responses": answer("201", email=text),
                }
            },
            "/auth/login": {
                "post": {
                    "security": public,
                    "requestBody": body("email", "password"),
                    "responses": answer("200", access_token=text),
                }
            },
            "/auth/password-reset": {
                "post": {
                    "summary": "Request a password reset",
                    "security": public,
                    "requestBody": body("email"),
                    "responses": answer("202", detail=text),
                }
            },
            "/users/me": {"get": {"responses": answer("200", email=text)}},
        },
    }


class Booth:
    """Accounts and resets; ``flawed`` answers the reset token."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed
        self.passwords = dict(SEED)
        self.resets: list[str] = []
        self.tokens: dict[str, str] = {}

    def app(self) -> Starlette:
        """The booth as an ASGI app."""

        async def body(request: Request) -> dict[str, Any]:
            try:
                given = await request.json()
            except ValueError:
                return {}
            return given if isinstance(given, dict) else {}

        def detail(status: int, text: str, **more: Any) -> Response:
            return JSONResponse({"status_code": status, "detail": text, **more}, status_code=status)  # fmt: skip

        async def spec(request: Request) -> Response:
            return JSONResponse(_contract())

        async def register(request: Request) -> Response:
            given = await body(request)
            mail, password = given.get("email"), given.get("password")
            if not isinstance(mail, str) or "@" not in mail or not isinstance(password, str):
                return detail(400, "Validation failed for POST /auth/register")
            if mail in self.passwords:
                return detail(409, "Email already registered")
            self.passwords[mail] = password
            return JSONResponse({"email": mail}, status_code=201)

        async def login(request: Request) -> Response:
            given = await body(request)
            mail = given.get("email")
            if isinstance(mail, str) and self.passwords.get(mail) == given.get("password"):
                issued = secrets.token_urlsafe(12)
                self.tokens[issued] = mail
                return JSONResponse({"access_token": issued, "token_type": "bearer"})
            return detail(401, "Invalid credentials")

        async def reset(request: Request) -> Response:
            mail = (await body(request)).get("email")
            if isinstance(mail, str) and mail in self.passwords:
                self.resets.append(mail)
            if self.flawed:
                token = secrets.token_urlsafe(16)
                return detail(202, "Password reset email sent", reset_token=token)
            return detail(202, "If the account exists, a reset email was sent")

        async def me(request: Request) -> Response:
            mail = self.tokens.get(request.headers.get("authorization", "").removeprefix("Bearer "))  # fmt: skip
            if mail is None:
                return detail(401, "No credentials were provided")
            return JSONResponse({"email": mail})

        return Starlette(
            routes=[
                Route("/openapi.json", spec),
                Route("/auth/register", register, methods=["POST"]),
                Route("/auth/login", login, methods=["POST"]),
                Route("/auth/password-reset", reset, methods=["POST"]),
                Route("/users/me", me),
            ]
        )


@pytest.mark.parametrize("flawed", [True, False], ids=["token-in-answer", "mail-only"])
def test_a_reset_token_in_the_answer_is_reported(flawed: bool, tmp_path: Path) -> None:
    """Only the flawed build is reported, and only the scan's own account is reset."""
    booth = Booth(flawed=flawed)
    with serving(booth.app()) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "reset_token")
    assert result.returncode in {0, 1, 3}, result.stdout[-3000:]
    found = [f for f in report["findings"] if f["check"] == "reset_token"]
    assert booth.resets, [s for s in report["skipped"] if s["check"] == "reset_token"]
    assert not set(booth.resets) & set(SEED), booth.resets
    if flawed:
        assert [f["operation"] for f in found] == ["POST /auth/password-reset"]
        assert found[0]["severity"] == "high"
    else:
        assert found == []
