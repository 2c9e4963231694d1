"""debug_endpoints reads the debug and configuration operations the contract itself lists.

Two APIs in two styles, each with a twin that keeps the endpoint but not the secret:

* a weather-station fleet written with Falcon (ASGI, an ``X-Fleet-Key`` header, Falcon's
  own ``{"title": "404 Not Found"}`` errors) that documents ``GET /_internal/env`` with
  ``security: []``: a list of ``{"name", "value"}`` environment variables, the MQTT
  broker's password among them; its twin masks the value. Both also document a health
  check (``/healthz``, ``{"status": "ok"}``) and ``/actuator/health`` (``{"status": "UP"}``);
* a newsroom CMS written as a bare ASGI callable (a ``cms_session`` cookie, plain-text
  errors) whose ``GET /api/diagnostics`` is documented for signed-in users only, and hands
  every one of them the SMTP password and the database URL with its password. Its twin's
  ``GET /api/me/settings`` hands each user their *own* API token: no server secret.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import falcon
import falcon.asgi
from ownership_support import scan_app

from apiward.core.findings import Confidence, Severity
from apiward.scan import Identity, Results
from apiward.scan.checks.shadow import DebugEndpoints

Serve = Callable[..., Any]
ENV = "GET /_internal/env"


def _fleet_contract() -> dict[str, Any]:
    def read(summary: str, *, public: bool) -> dict[str, Any]:
        answer = {"application/json": {"schema": {"type": "object"}}}
        return {
            "get": {
                "summary": summary,
                "security": [] if public else [{"fleetKey": []}],
                "responses": {"200": {"description": summary, "content": answer}},
            }
        }

    return {
        "openapi": "3.0.3",
        "info": {"title": "fleet", "version": "2.3"},
        "components": {
            "securitySchemes": {
                "fleetKey": {"type": "apiKey", "in": "header", "name": "X-Fleet-Key"}
            }
        },
        "security": [{"fleetKey": []}],
        "paths": {
            "/stations": read("Weather stations", public=False),
            "/healthz": read("Liveness probe", public=True),
            "/actuator/health": read("Health for the load balancer", public=True),
            "/_internal/env": read("Runtime environment, for the on-call operator", public=True),
        },
    }


class _Json:
    def __init__(self, body: Any, *, keyed: bool = False) -> None:
        self.body, self.keyed = body, keyed

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        if self.keyed and req.get_header("X-Fleet-Key") not in {"fk-ops", "fk-field"}:
            raise falcon.HTTPUnauthorized(title="fleet key required")
        resp.media = self.body


def fleet(*, masked: bool) -> falcon.asgi.App:
    """The Falcon fleet API; ``masked``: its environment dump hides secret values."""
    password = "[hidden]" if masked else "gust-Front-7731"
    env = [
        {"name": "MQTT_HOST", "value": "broker.fleet.internal"},
        {"name": "MQTT_PASSWORD", "value": password},
        {"name": "LOG_LEVEL", "value": "info"},
    ]
    app = falcon.asgi.App()
    app.add_route("/openapi.json", _Json(_fleet_contract()))
    app.add_route("/stations", _Json([{"station": "ws-14", "temp_c": 11.5}], keyed=True))
    app.add_route("/healthz", _Json({"status": "ok"}))
    app.add_route("/actuator/health", _Json({"status": "UP"}))
    app.add_route("/_internal/env", _Json({"profile": "production", "env": env}))
    return app


FLEET = (
    Identity(name="ops", role="operator", headers={"X-Fleet-Key": "fk-ops"}),
    Identity(name="field", role="operator", headers={"X-Fleet-Key": "fk-field"}),
)


def _documented(results: Results) -> list[Any]:
    assert results.errors == []
    return [f for f in results.findings if f.key == "documented"]


def test_a_documented_public_environment_dump_with_a_password_is_high(serve: Serve) -> None:
    """GET /_internal/env (security: []) gives anyone the MQTT password: high, confirmed."""
    results = scan_app(serve(fleet(masked=False)).url, DebugEndpoints(), FLEET)
    [finding] = _documented(results)
    assert finding.operation == ENV
    assert (finding.check, finding.cwe) == ("debug_endpoints", "CWE-215")
    assert (finding.severity, finding.confidence) == (Severity.HIGH, Confidence.CONFIRMED)
    assert "env[].MQTT_PASSWORD" in finding.title
    assert "anonymously" in finding.title
    assert "gust-Front-7731" not in finding.title + finding.detail


def test_the_masked_twin_and_the_health_checks_are_silent(serve: Serve) -> None:
    """The same dump with the value masked, /healthz and /actuator/health: no finding."""
    results = scan_app(serve(fleet(masked=True)).url, DebugEndpoints(), FLEET)
    assert _documented(results) == []
    assert [f for f in results.findings if f.severity >= Severity.MEDIUM] == []


def test_each_documented_public_debug_operation_costs_one_request(serve: Serve) -> None:
    """/_internal/env and /actuator/health are asked once each; /healthz and /stations never."""
    results = scan_app(serve(fleet(masked=True)).url, DebugEndpoints(), FLEET)
    documented = {"/stations", "/healthz", "/actuator/health", "/_internal/env"}
    sent = [s.path for s in results.requests if s.by == "debug_endpoints" and s.path in documented]
    assert sorted(sent) == ["/_internal/env", "/actuator/health"]


# --- the newsroom CMS: a bare ASGI callable -------------------------------------------

SESSIONS = {"s-rita": "rita", "s-ezra": "ezra", "s-noor": "noor"}
ROLES = {"rita": "reporter", "ezra": "reporter", "noor": "editor"}
RANKS = {"rita": 1, "ezra": 1, "noor": 2}


def _cms_contract() -> dict[str, Any]:
    def read(summary: str) -> dict[str, Any]:
        answer = {"application/json": {"schema": {"type": "object"}}}
        return {
            "get": {
                "summary": summary,
                "responses": {"200": {"description": "ok", "content": answer}},
            }
        }

    return {
        "openapi": "3.1.0",
        "info": {"title": "newsroom", "version": "5"},
        "components": {
            "securitySchemes": {
                "session": {"type": "apiKey", "in": "cookie", "name": "cms_session"}
            }
        },
        "security": [{"session": []}],
        "paths": {
            "/api/stories": read("Stories in progress"),
            "/api/diagnostics": read("Diagnostics for the desk's support staff"),
            "/api/me/settings": read("The caller's own settings"),
        },
    }


def newsroom(*, leaky: bool) -> Callable[..., Any]:
    """The CMS; ``leaky``: its diagnostics carry the server's mail and database secrets."""
    diagnostics: dict[str, Any] = {"uptime_s": 86400, "queue": 3, "smtp": {"host": "mail.news"}}
    if leaky:
        diagnostics["smtp"]["password"] = "ink&Paper2019"
        diagnostics["database_url"] = "postgresql://cms:pressroom-88@db.news:5432/cms"

    def answer(path: str, user: str) -> Any:
        if path == "/api/stories":
            return [{"slug": "budget-vote", "desk": "politics", "author": user}]
        if path == "/api/diagnostics":
            return diagnostics
        if path == "/api/me/settings":
            return {"theme": "dark", "api_token": f"cms-tok-{user}-9f3e1c77d2"}
        return None

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        cookies = dict(
            part.strip().split("=", 1)
            for part in dict(scope["headers"]).get(b"cookie", b"").decode().split(";")
            if "=" in part
        )
        user = SESSIONS.get(cookies.get("cms_session", ""))
        path = scope["path"]
        body: Any = _cms_contract() if path == "/openapi.json" else None
        if body is None and user is not None:
            body = answer(path, user)
        status = 200 if body is not None else (401 if user is None else 404)
        if body is None:
            text, kind = (
                ("sign in first" if status == 401 else "no such page").encode(),
                b"text/plain",
            )
        else:
            text, kind = json.dumps(body).encode(), b"application/json"
        await send(
            {"type": "http.response.start", "status": status, "headers": [(b"content-type", kind)]}
        )
        await send({"type": "http.response.body", "body": text})

    return app


def _desk(*names: str) -> tuple[Identity, ...]:
    return tuple(Identity(name=n, role=ROLES[n], cookies={"cms_session": f"s-{n}"}) for n in names)


def test_secrets_any_signed_in_user_gets_alike_are_high(serve: Serve) -> None:
    """Every reporter gets the SMTP password and the database URL's password: high."""
    results = scan_app(
        serve(newsroom(leaky=True)).url, DebugEndpoints(), _desk("noor", "rita", "ezra")
    )
    [finding] = _documented(results)
    assert finding.operation == "GET /api/diagnostics"
    assert finding.severity is Severity.HIGH
    assert "database_url" in finding.title
    assert "smtp.password" in finding.title
    assert "(role reporter)" in finding.title  # the lowest ranks are the ones shown
    assert "noor" not in finding.title
    assert "pressroom-88" not in finding.title + finding.detail


def test_a_callers_own_token_on_its_settings_is_no_finding(serve: Serve) -> None:
    """/api/me/settings answers each user their own token, and the twin's diagnostics no secret."""
    results = scan_app(serve(newsroom(leaky=False)).url, DebugEndpoints(), _desk("rita", "ezra"))
    assert _documented(results) == []


def test_one_identity_cannot_tell_its_own_secret_from_the_servers(serve: Serve) -> None:
    """With one identity the secured debug operations are skipped, and the skip says why."""
    results = scan_app(serve(newsroom(leaky=True)).url, DebugEndpoints(), _desk("rita"))
    assert _documented(results) == []
    details = [s.detail for s in results.skipped if s.check == "debug_endpoints"]
    assert any("GET /api/diagnostics" in d for d in details), details
