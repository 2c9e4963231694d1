"""excessive_data: a share link's token and a webhook's signing secret open no account.

The Rails trial's applications carry a ``share_token`` that staff copy into a link for a
hiring panel, and the Go trial's ``GET /v1/webhooks`` shows an organisation's dispatchers
the ``secret`` their webhooks are signed with: both scans called them "another user's
credential … account takeover", high. A Flask recruiting API with both. Neither value
logs anyone in; the API keys its directory lists (the flawed twin) still do, and stay
critical.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, jsonify, request
from ownership_support import scan_app

from apiward.core.findings import Severity
from apiward.scan import Identity
from apiward.scan.checks.exposure import ExcessiveData

KEYS = {"ada": "hk_" + secrets.token_urlsafe(24), "rita": "hk_" + secrets.token_urlsafe(24)}
KEYS["ruth"] = "hk_" + secrets.token_urlsafe(24)
ROLES = {"ada": "admin", "rita": "recruiter", "ruth": "recruiter"}
APPLICATIONS = [
    {"id": n, "candidate": f"cand-{n}", "status": "interview", "share_token": secrets.token_hex(16)}
    for n in (1, 2, 3)
]
HOOKS = [
    {"id": f"wh_{n}", "url": f"https://acme.example/hooks/{n}", "secret": secrets.token_hex(20)}
    for n in (1, 2)
]


def _ok(item: dict[str, Any]) -> dict[str, Any]:
    schema = {"type": "array", "items": {"type": "object", "properties": item}}
    return {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}}}


def recruiting(*, lists_keys: bool) -> Flask:
    """The app; ``lists_keys``: the staff directory shows every member's API key too."""
    app = Flask("recruiting")
    text = {"type": "string"}
    contract = {
        "openapi": "3.0.3",
        "info": {"title": "recruiting", "version": "1"},
        "components": {
            "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-API-Key"}}
        },
        "security": [{"key": []}],
        "paths": {
            "/me": {"get": {"responses": {"200": {"description": "the caller"}}}},
            "/applications": {
                "get": {"responses": _ok({"id": {"type": "integer"}, "share_token": text})}
            },
            "/webhooks": {"get": {"responses": _ok({"id": text, "url": text, "secret": text})}},
            "/staff": {"get": {"responses": _ok({"name": text, "api_key": text})}},
        },
    }

    def caller() -> str | None:
        key = request.headers.get("X-API-Key", "")
        return next((name for name, k in KEYS.items() if k == key), None)

    def refused() -> Any:
        return jsonify(error="unauthorized"), 401

    @app.get("/openapi.json")
    def spec() -> Any:
        return jsonify(contract)

    @app.get("/me")
    def me() -> Any:
        who = caller()
        return jsonify(name=who, role=ROLES[who]) if who else refused()

    @app.get("/applications")
    def applications() -> Any:
        return jsonify(APPLICATIONS) if caller() else refused()

    @app.get("/webhooks")
    def webhooks() -> Any:
        return jsonify(HOOKS) if caller() else refused()

    @app.get("/staff")
    def staff() -> Any:
        if caller() is None:
            return refused()
        key = (lambda n: {"api_key": KEYS[n]}) if lists_keys else (lambda n: {})
        return jsonify([{"name": n, "role": ROLES[n]} | key(n) for n in KEYS])

    return app


def _people() -> tuple[Identity, ...]:
    return tuple(
        Identity(name=n, role=ROLES[n], headers={"X-API-Key": KEYS[n]})
        for n in ("ada", "rita", "ruth")
    )


@pytest.mark.parametrize("lists_keys", [True, False], ids=["lists-keys", "names-only"])
def test_link_tokens_and_signing_secrets_are_no_account_takeover(
    serve: Callable[..., Any], lists_keys: bool
) -> None:
    """No finding above low on the share tokens or the webhook secrets; the keys are critical."""
    server = serve(recruiting(lists_keys=lists_keys), wsgi=True)
    results = scan_app(server.url, ExcessiveData(), _people())
    assert results.errors == []
    loud = {f.operation: f for f in results.findings if f.severity > Severity.LOW}
    assert "GET /applications" not in loud, loud
    assert "GET /webhooks" not in loud, loud
    if lists_keys:
        assert loud["GET /staff"].severity is Severity.CRITICAL, loud
    else:
        assert loud == {}
