"""short_secret: 4-digit PINs guessed without a lockout, on Starlette cookie sessions and the zoo."""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from auth_support import scan_only, user
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apiward.core.findings import Confidence, Severity
from apiward.core.registry import Registry
from apiward.scan import Results, ScanConfig, read_identities_file, scan
from apiward.scan.check import AnyCheck, SkipReason
from apiward.scan.checks._codes import CodeField, _field
from apiward.scan.checks.short_secret import TRIES, ShortSecret
from apiward.spec import load

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "zoo"))
from zoo_apps import APPS

PINS = {"alice": "7314", "bob": "2468"}
LOCK_AFTER = 5
_PIN = {"type": "string", "pattern": "^\\d{4}$", "example": "1234"}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "pins", "version": "1"},
    "components": {
        "securitySchemes": {"cookie": {"type": "apiKey", "in": "cookie", "name": "session"}}
    },
    "security": [{"cookie": []}],
    "paths": {
        "/login": {
            "post": {
                "security": [],
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "username": {"type": "string"},
                                    "password": {"type": "string"},
                                },
                            }
                        }
                    }
                },
                "responses": {"200": {"description": "logged in"}},
            }
        },
        "/pin/verify": {
            "post": {
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {"type": "object", "properties": {"pin": _PIN}}
                        }
                    }
                },
                "responses": {"200": {"description": "ok"}, "403": {"description": "wrong"}},
            }
        },
    },
}


def pin_app(
    *, lockout: bool, paths: dict[str, Any] | None = None, routes: tuple[Route, ...] = ()
) -> tuple[Starlette, Counter[str]]:
    """A cookie-session login and a PIN check for the session's own user; counts wrong PINs."""
    wrong: Counter[str] = Counter()
    guessed: Counter[str] = Counter()

    async def login(request: Request) -> Response:
        body = await request.json()
        if f"{body.get('username')}-pass-1" != body.get("password"):
            return JSONResponse({"error": "bad credentials"}, 401)
        request.session["user"] = body["username"]
        return JSONResponse({"ok": True})

    async def verify(request: Request) -> Response:
        name = request.session.get("user")
        if name is None:
            return JSONResponse({"error": "log in first"}, 401)
        if lockout and wrong[name] >= LOCK_AFTER:
            return JSONResponse({"error": "too many wrong PINs"}, 429)
        if (await request.json()).get("pin") != PINS[name]:
            wrong[name] += 1
            guessed[name] += 1
            return JSONResponse({"error": "wrong PIN"}, 403)
        wrong[name] = 0
        return JSONResponse({"verified": True})

    async def contract(_: Request) -> Response:
        return JSONResponse({**CONTRACT, "paths": {**CONTRACT["paths"], **(paths or {})}})

    routes = [
        Route("/login", login, methods=["POST"]),
        Route("/pin/verify", verify, methods=["POST"]),
        Route("/openapi.json", contract),
        *routes,
    ]
    middleware = [Middleware(SessionMiddleware, secret_key="k" * 32)]
    return Starlette(routes=routes, middleware=middleware), guessed


def _users() -> tuple[Any, ...]:
    return (user("alice", "alice-pass-1"), user("bob", "bob-pass-1"))


def _scan(url: str, **values: str) -> Results:
    api = load(f"{url}/openapi.json", allow_private=True)
    config = ScanConfig(target=url, identities=_users(), values=values)
    registry = Registry[AnyCheck]("check", [("short_secret", ShortSecret())])
    return asyncio.run(scan(api, config, registry))


@pytest.mark.parametrize(
    ("name", "schema", "digits"),
    [
        ("pin", {"type": "string", "pattern": "^[0-9]{4}$"}, 4),
        ("verificationCode", {"type": "string", "pattern": "^\\d{6}$"}, 6),
        ("otp", {"type": "integer", "minimum": 0, "maximum": 999999}, 6),
        ("reset_code", {"type": "string", "maxLength": 6, "example": "123456"}, 6),
        ("mfa", {"type": "string", "pattern": "^\\d\\d\\d\\d$"}, 4),
    ],
    ids=["pattern", "camel", "integer", "maxLength", "spelled"],
)
def test_recognises_short_codes(name: str, schema: dict[str, Any], digits: int) -> None:
    """A code-like name bounded to six digits or fewer is a short code of that length."""
    found = _field(name, schema, in_query=False, values={})
    assert isinstance(found, CodeField)
    assert found.digits == digits


@pytest.mark.parametrize(
    ("name", "schema"),
    [
        ("pin", {"type": "string"}),
        ("code", {"type": "string", "pattern": "^[A-Z]{8}$"}),
        ("discount", {"type": "string", "pattern": "^\\d{4}$"}),
        ("otp", {"type": "string", "pattern": "^\\d{8}$"}),
        ("new_pin", {"type": "string", "pattern": "^\\d{4}$"}),
    ],
    ids=["unbounded", "letters", "not-a-code-name", "eight-digits", "setting-a-new-one"],
)
def test_ignores_what_is_not_a_short_code(name: str, schema: dict[str, Any]) -> None:
    """No bound, letters, another name or more than six digits: not a short code."""
    assert _field(name, schema, in_query=False, values={}) is None


def test_finds_a_pin_without_lockout_and_the_right_pin_still_works(serve: Any) -> None:
    """12 wrong PINs then the right one (from values): a high, confirmed finding with the arithmetic."""
    app, wrong = pin_app(lockout=False)
    results = _scan(serve(app).url, pin=PINS["bob"])
    assert [f.key for f in results.findings] == ["short-secret:pin"]
    finding = results.findings[0]
    assert (finding.severity, finding.confidence, finding.cwe) == (
        Severity.HIGH,
        Confidence.CONFIRMED,
        "CWE-307",
    )
    assert "10,000 codes" in finding.detail
    assert wrong["alice"] == 0, "the first identity's PIN was guessed at"
    assert wrong["bob"] == TRIES


def test_without_the_right_pin_a_last_wrong_one_shows_no_lockout(serve: Any) -> None:
    """The right PIN unknown: one more wrong PIN answered like the first is a firm finding."""
    app, _ = pin_app(lockout=False)
    results = _scan(serve(app).url)
    assert [(f.key, f.confidence) for f in results.findings] == [
        ("short-secret:pin", Confidence.FIRM)
    ]


def test_silent_on_a_pin_that_locks_and_stops_at_the_lockout(serve: Any) -> None:
    """A lockout after five wrong PINs is protection: no finding, one try past the lock at most."""
    app, wrong = pin_app(lockout=True)
    results = _scan(serve(app).url, pin=PINS["bob"])
    assert results.findings == []
    assert wrong["bob"] == LOCK_AFTER


def test_skipped_under_safe(serve: Any) -> None:
    """Guessing codes can lock an account: --safe skips the check and says so."""
    app, wrong = pin_app(lockout=False)
    results = scan_only(serve(app).url, [ShortSecret()], _users(), safe=True)
    assert results.findings == []
    assert sum(wrong.values()) == 0
    assert [s.reason for s in results.skipped] == [SkipReason.UNSAFE]


def _scan_wallet(*, secure: bool) -> Results:
    app = next(a for a in APPS if a.name == "wallet")
    with app.running(secure=secure) as url:
        api = load(app.spec_location(url), allow_private=True)
        file = read_identities_file(app.identities)
        config = ScanConfig(target=url, identities=file.identities, values=file.values)
        registry = Registry[AnyCheck]("check", [("short_secret", ShortSecret())])
        return asyncio.run(scan(api, config, registry))


def test_finds_the_zoo_wallet_pin_and_not_on_its_secure_twin() -> None:
    """The wallet's 4-digit PIN: guessed on a throwaway sign-up; its secure twin locks."""
    found = _scan_wallet(secure=False).findings
    assert [(f.operation, f.cwe, f.severity) for f in found] == [
        ("POST /pin/verify", "CWE-307", Severity.HIGH)
    ]
    assert "throwaway" in found[0].detail
    assert _scan_wallet(secure=True).findings == []


def payments_app() -> tuple[Starlette, list[int]]:
    """Login, and a payment that takes the amount and the PIN in one body (no lockout)."""
    paid: list[int] = []

    async def pay(request: Request) -> Response:
        body = await request.json()
        if request.session.get("user") is None:
            return JSONResponse({"error": "log in first"}, 401)
        if body.get("pin") != PINS[request.session["user"]]:
            return JSONResponse({"error": "wrong PIN"}, 403)
        paid.append(int(body.get("amount", 0)))
        return JSONResponse({"paid": True})

    schema = {
        "type": "object",
        "properties": {"amount": {"type": "integer", "minimum": 1}, "pin": _PIN},
    }
    content = {"application/json": {"schema": schema}}
    operation = {"requestBody": {"content": content}, "responses": {"200": {"description": "ok"}}}
    route = Route("/payments", pay, methods=["POST"])
    app, _ = pin_app(lockout=False, paths={"/payments": {"post": operation}}, routes=(route,))
    return app, paid


def test_never_sends_the_right_code_where_it_would_also_pay(serve: Any) -> None:
    """A PIN beside an amount: wrong PINs only (a firm finding), the right one is never sent."""
    app, paid = payments_app()
    results = _scan(serve(app).url, pin=PINS["bob"])
    payments = [f for f in results.findings if f.operation == "POST /payments"]
    assert [f.confidence for f in payments] == [Confidence.FIRM]
    assert paid == []
