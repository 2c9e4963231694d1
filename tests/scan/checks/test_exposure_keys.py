"""excessive_data: another user's working credential in an answer, declared by the contract or not.

Two user directories written the way their authors write them. A Falcon team directory
authenticates with ``X-API-Key`` (the identities' own keys) and its generated contract
declares ``api_key`` on every user: the flawed ``GET /api/users`` lists everyone's key, the
twin lists names only. ``GET /api/me`` shows the caller its own key and
``GET /api/integrations`` lists public keys: neither is a finding, nor the caller's own key
in ``GET /api/profile`` where the contract does not declare it (one more undeclared field). A Flask shop logs users
in with a password (a bearer token) and also takes ``X-API-Key``; its flawed directory lists
keys the scan does not hold, which authenticate as their owners on ``GET /me``; a caller's
own key list is no finding.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import falcon
import falcon.asgi
import httpx
import pytest
from flask import Flask, jsonify, request
from ownership_support import scan_app

from apiward.core.findings import Confidence, Finding, Severity
from apiward.core.redact import Redactor
from apiward.scan import Identity, Results
from apiward.scan.checks.exposure import ExcessiveData
from apiward.scan.identities import Login

TEAM_KEYS = {
    "alice": "ak_7Qm2Zx9LpV4sKd8TnR3wYb6H",
    "bob": "ak_Jf5Nc1XrW8eTq2UyA9sLm4Dk",
    "carol": "ak_Pz3Hv7GbQ1nMx5KcR8tWe2Ya",
}
INTEGRATIONS = [
    {
        "id": 1,
        "name": "payments",
        "public_key": "pk_live_51HxQ2eLk9ZbW3mN7cV8tR4yU",
        "key_id": "k1",
    },
    {"id": 2, "name": "maps", "public_key": "pk_live_Gh7Tn2Wq9Lx4Cv8Bz1Mk6Rp3", "key_id": "k2"},
]


def _schema(properties: dict[str, Any], *, many: bool = False) -> dict[str, Any]:
    item = {"type": "object", "properties": properties}
    schema = {"type": "array", "items": item} if many else item
    return {"200": {"description": "OK", "content": {"application/json": {"schema": schema}}}}


def _team_contract(*, lists_keys: bool) -> dict[str, Any]:
    user = {"id": {"type": "integer"}, "username": {"type": "string"}}
    listed = {**user, "api_key": {"type": "string"}} if lists_keys else user
    integration = {
        "id": {"type": "integer"},
        "name": {"type": "string"},
        "public_key": {"type": "string"},
        "key_id": {"type": "string"},
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "team", "version": "1.0.0"},
        "components": {
            "securitySchemes": {
                "APIKeyHeader": {"type": "apiKey", "in": "header", "name": "X-API-Key"}
            }
        },
        "security": [{"APIKeyHeader": []}],
        "paths": {
            "/api/users": {
                "get": {"operationId": "list_users", "responses": _schema(listed, many=True)}
            },
            "/api/me": {
                "get": {
                    "operationId": "me",
                    "responses": _schema({**user, "api_key": {"type": "string"}}),
                }
            },
            "/api/profile": {"get": {"operationId": "profile", "responses": _schema(user)}},
            "/api/integrations": {
                "get": {"operationId": "integrations", "responses": _schema(integration, many=True)}
            },
        },
    }


class _KeyAuth:
    """Who calls, by ``X-API-Key``; 401 otherwise."""

    async def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if req.path == "/openapi.json":
            return
        names = {key: name for name, key in TEAM_KEYS.items()}
        who = names.get(req.get_header("X-API-Key") or "")
        if who is None:
            raise falcon.HTTPUnauthorized(title="Unauthorized")
        req.context.who = who


def team(*, lists_keys: bool) -> falcon.asgi.App:
    """The team directory; ``lists_keys``: its user list carries every user's API key."""
    users = [{"id": i, "username": name} for i, name in enumerate(TEAM_KEYS, start=1)]
    contract = _team_contract(lists_keys=lists_keys)

    class Users:
        async def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            extra = (lambda u: {"api_key": TEAM_KEYS[u["username"]]}) if lists_keys else dict
            resp.media = [{**u, **extra(u)} for u in users]

    class Me:
        async def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            mine = next(u for u in users if u["username"] == req.context.who)
            resp.media = {**mine, "api_key": TEAM_KEYS[req.context.who]}

    class Profile:  # the caller's own key, which the contract does not declare here
        async def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            mine = next(u for u in users if u["username"] == req.context.who)
            resp.media = {**mine, "api_key": TEAM_KEYS[req.context.who]}

    class Integrations:
        async def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            resp.media = INTEGRATIONS

    class Contract:
        async def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            resp.media = contract

    app = falcon.asgi.App(middleware=[_KeyAuth()])
    app.add_route("/openapi.json", Contract())
    app.add_route("/api/users", Users())
    app.add_route("/api/me", Me())
    app.add_route("/api/profile", Profile())
    app.add_route("/api/integrations", Integrations())
    return app


def _team_identities() -> tuple[Identity, ...]:
    return tuple(
        Identity(name=name, role="member", headers={"X-API-Key": TEAM_KEYS[name]})
        for name in ("alice", "bob")
    )


def _loud(results: Results) -> dict[str, Finding]:
    return {f"{f.operation} {f.key}": f for f in results.findings if f.severity >= Severity.MEDIUM}


def _no_key_shown(results: Results, keys: list[str]) -> None:
    redactor = Redactor(results.secrets)
    for finding in results.findings:
        shown = redactor.finding(finding)
        text = " ".join(
            [shown.title, shown.detail, shown.reproduction or ""]
            + [str(e.request.headers) + (e.request.body or "") for e in shown.evidence]
            + [(e.response.body if e.response else "") for e in shown.evidence]
        )
        assert not [k for k in keys if k in text]


@pytest.mark.parametrize("lists_keys", [True, False], ids=["lists-keys", "names-only"])
def test_a_directory_handing_out_identities_keys_is_critical(
    serve: Callable[..., Any], lists_keys: bool
) -> None:
    """Another identity's very key in the answer: critical, confirmed; the twin: nothing medium+.

    The caller's own key, undeclared, is a low undeclared property, not a leaked secret.
    """
    server = serve(team(lists_keys=lists_keys))
    results = scan_app(server.url, ExcessiveData(), _team_identities())
    assert results.errors == []
    loud = _loud(results)
    own = [f for f in results.findings if f.operation == "GET /api/profile"]
    assert [(f.key, f.severity) for f in own] == [("api_key", Severity.LOW)]
    if not lists_keys:
        assert loud == {}
        return
    assert set(loud) == {"GET /api/users [].api_key"}
    finding = loud["GET /api/users [].api_key"]
    assert (finding.severity, finding.confidence) == (Severity.CRITICAL, Confidence.CONFIRMED)
    assert "credential" in finding.title
    assert "X-API-Key credential the scan authenticates" in finding.detail
    _no_key_shown(results, list(TEAM_KEYS.values()))


SHOP_PASSWORDS = {"alice": "Alice-pass-1", "bob": "Bob-pass-1", "carol": "Carol-pass-1"}


def _password_logins(
    app: Flask,
    contract: dict[str, Any],
    bearers: dict[str, str],
    who: Callable[[str], dict[str, Any]] | None = None,
) -> None:
    """The contract at ``/openapi.json``, and ``POST /login`` handing out bearer tokens."""

    @app.get("/openapi.json")
    def spec() -> Any:
        return jsonify(contract)

    @app.post("/login")
    def log_in() -> Any:
        body = request.get_json(silent=True) or {}
        name = str(body.get("username"))
        if name not in SHOP_PASSWORDS or SHOP_PASSWORDS[name] != body.get("password"):
            return jsonify(detail="Invalid credentials"), 401
        token = secrets.token_urlsafe(32)
        bearers[token] = name
        return jsonify(access_token=token, **({"user": who(name)} if who else {}))


def shop(*, lists_keys: bool) -> Flask:
    """Password logins (bearer) and API keys; ``lists_keys``: ``GET /users`` lists every key."""
    app = Flask("shop")
    names = list(SHOP_PASSWORDS)
    keys = {name: [secrets.token_urlsafe(24), secrets.token_urlsafe(24)] for name in names}
    bearers: dict[str, str] = {}
    user = {"id": {"type": "integer"}, "username": {"type": "string"}}
    key = {"id": {"type": "integer"}, "label": {"type": "string"}, "token": {"type": "string"}}
    listed = {**user, "api_key": {"type": "string"}} if lists_keys else user
    contract = {
        "openapi": "3.0.3",
        "info": {"title": "shop", "version": "2"},
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "key": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            }
        },
        "security": [{"bearer": []}, {"key": []}],
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
                    "responses": _schema({"access_token": {"type": "string"}}),
                }
            },
            "/users": {"get": {"responses": _schema(listed, many=True)}},
            "/me": {"get": {"responses": _schema(user)}},
            "/me/keys": {"get": {"responses": _schema(key, many=True)}},
        },
    }

    def caller() -> str | None:
        bearer = (request.headers.get("Authorization") or "").removeprefix("Bearer ")
        if bearer in bearers:
            return bearers[bearer]
        given = request.headers.get("X-API-Key")
        return next((n for n, mine in keys.items() if given in mine), None)

    def who(name: str) -> dict[str, Any]:
        return {"id": names.index(name) + 1, "username": name}

    _password_logins(app, contract, bearers, who)

    @app.get("/users")
    def users() -> Any:
        if caller() is None:
            return jsonify(detail="Not authenticated"), 401
        shown = [who(n) | ({"api_key": keys[n][0]} if lists_keys else {}) for n in names]
        return jsonify(shown)

    @app.get("/me")
    def me() -> Any:
        name = caller()
        return jsonify(who(name)) if name else (jsonify(detail="Not authenticated"), 401)

    @app.get("/me/keys")
    def my_keys() -> Any:
        name = caller()
        if name is None:
            return jsonify(detail="Not authenticated"), 401
        return jsonify(
            [{"id": i, "label": f"key {i}", "token": k} for i, k in enumerate(keys[name])]
        )

    return app


def _shoppers() -> tuple[Identity, ...]:
    def login(name: str) -> Login:
        body = {"username": name, "password": SHOP_PASSWORDS[name]}
        return Login(method="POST", path="/login", body=body)

    return tuple(Identity(name=n, role="customer", login=login(n)) for n in ("alice", "bob"))


@pytest.mark.parametrize("lists_keys", [True, False], ids=["lists-keys", "names-only"])
def test_a_listed_key_that_logs_in_as_its_owner_is_critical(
    serve: Callable[..., Any], lists_keys: bool
) -> None:
    """A key no identity holds, sent on GET /me, shows another user: critical, confirmed.

    A caller's own keys (``GET /me/keys``) log in as the caller: no finding; the twin: nothing.
    """
    server = serve(shop(lists_keys=lists_keys), wsgi=True)
    results = scan_app(server.url, ExcessiveData(), _shoppers())
    assert results.errors == []
    loud = _loud(results)
    if not lists_keys:
        assert loud == {}
        return
    assert set(loud) == {"GET /users [].api_key"}
    finding = loud["GET /users [].api_key"]
    assert (finding.severity, finding.confidence) == (Severity.CRITICAL, Confidence.CONFIRMED)
    assert "authenticated as someone else" in finding.detail
    proof = finding.evidence[-1]
    assert proof.request.url.endswith("/me")
    assert proof.response is not None
    assert proof.response.status == 200
    keys = [u["api_key"] for u in _listed(server.url)]
    _no_key_shown(results, keys)


def _listed(url: str) -> list[dict[str, Any]]:
    token = httpx.post(f"{url}/login", json={"username": "carol", "password": "Carol-pass-1"})
    bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
    answer: list[dict[str, Any]] = httpx.get(f"{url}/users", headers=bearer).json()
    return answer


def partners(*, lists_secrets: bool) -> Flask:
    """Webhook partners: ``lists_secrets`` shows every partner's signing secret in the directory.

    The secrets sign webhooks and log nobody in; each caller's own webhooks (``GET /me/hooks``)
    show their secrets to their owner, as a settings page does.
    """
    app = Flask("partners")
    names = list(SHOP_PASSWORDS)
    hooks = {n: [secrets.token_hex(20), secrets.token_hex(20)] for n in names}
    bearers: dict[str, str] = {}
    user = {"id": {"type": "integer"}, "username": {"type": "string"}}
    listed = {**user, "webhook_secret": {"type": "string"}} if lists_secrets else user
    hook = {"id": {"type": "integer"}, "url": {"type": "string"}, "secret": {"type": "string"}}
    login = _schema({"access_token": {"type": "string"}})
    contract = {
        "openapi": "3.0.3",
        "info": {"title": "partners", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/login": {"post": {"security": [], "responses": login}},
            "/partners": {"get": {"responses": _schema(listed, many=True)}},
            "/me": {"get": {"responses": _schema(user)}},
            "/me/hooks": {"get": {"responses": _schema(hook, many=True)}},
        },
    }

    def caller() -> str | None:
        return bearers.get((request.headers.get("Authorization") or "").removeprefix("Bearer "))

    def who(name: str) -> dict[str, Any]:
        return {"id": names.index(name) + 1, "username": name}

    _password_logins(app, contract, bearers, who)

    @app.get("/partners")
    def directory() -> Any:
        if caller() is None:
            return jsonify(detail="Not authenticated"), 401
        extra = (lambda n: {"webhook_secret": hooks[n][0]}) if lists_secrets else (lambda n: {})
        return jsonify([who(n) | extra(n) for n in names])

    @app.get("/me")
    def me() -> Any:
        name = caller()
        return jsonify(who(name)) if name else (jsonify(detail="Not authenticated"), 401)

    @app.get("/me/hooks")
    def my_hooks() -> Any:
        name = caller()
        if name is None:
            return jsonify(detail="Not authenticated"), 401
        shown = [
            {"id": i + 1, "url": f"https://{name}.example/hook{i}", "secret": s}
            for i, s in enumerate(hooks[name])
        ]
        return jsonify(shown)

    return app


@pytest.mark.parametrize("lists_secrets", [True, False], ids=["lists-secrets", "names-only"])
def test_others_secrets_in_a_list_are_high_and_ones_own_are_not_loud(
    serve: Callable[..., Any], lists_secrets: bool
) -> None:
    """Secrets in others' items of a list the caller's own item is in: high, firm.

    A caller's own webhooks with their secrets, whose items name no owner: low at most.
    """
    server = serve(partners(lists_secrets=lists_secrets), wsgi=True)
    results = scan_app(server.url, ExcessiveData(), _shoppers())
    assert results.errors == []
    loud = _loud(results)
    if not lists_secrets:
        assert loud == {}
        return
    assert set(loud) == {"GET /partners [].webhook_secret"}
    finding = loud["GET /partners [].webhook_secret"]
    assert (finding.severity, finding.confidence) == (Severity.HIGH, Confidence.FIRM)


def team_keys(*, listing: str) -> Flask:
    """A team's API keys, each its maker's; the contract promises a ``prefix`` in listings.

    ``listing``: ``team`` shows every member every key whole (the flaw), ``mine`` shows the
    caller its own keys whole (a settings page), ``prefixes`` shows every key's prefix only.
    """
    app = Flask("team_keys")
    names = list(SHOP_PASSWORDS)
    keys = {
        f"key_{n}{i}": {
            "id": f"key_{n}{i}",
            "maker": n,
            "secret": f"sk_{secrets.token_urlsafe(24)}",
        }
        for n in names
        for i in (1, 2)
    }
    bearers: dict[str, str] = {}
    key = {"id": {"type": "string"}, "prefix": {"type": "string"}}
    contract = {
        "openapi": "3.0.3",
        "info": {"title": "team keys", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/login": {
                "post": {"security": [], "responses": _schema({"access_token": {"type": "string"}})}
            },
            "/keys": {"get": {"responses": _schema(key, many=True)}},
        },
    }

    def caller() -> str | None:
        return bearers.get((request.headers.get("Authorization") or "").removeprefix("Bearer "))

    _password_logins(app, contract, bearers)

    @app.get("/keys")
    def listed() -> Any:
        who = caller()
        if who is None:
            return jsonify(detail="Not authenticated"), 401
        rows = [k for k in keys.values() if listing != "mine" or k["maker"] == who]
        whole = listing != "prefixes"
        return jsonify(
            [
                {"id": k["id"], "prefix": k["secret"][:6]}
                | ({"secret": k["secret"]} if whole else {})
                for k in rows
            ]
        )

    return app


def _team_roles() -> tuple[Identity, ...]:
    def login(name: str) -> Login:
        return Login(
            method="POST", path="/login", body={"username": name, "password": SHOP_PASSWORDS[name]}
        )

    return (
        Identity(name="alice", role="owner", login=login("alice")),
        Identity(name="bob", role="viewer", login=login("bob")),
    )


@pytest.mark.parametrize("listing", ["team", "mine", "prefixes"])
def test_keys_listed_alike_to_two_members_are_others_to_one_of_them(
    serve: Callable[..., Any], listing: str
) -> None:
    """The same whole keys shown to an owner and a viewer: high, firm; one's own keys: low."""
    server = serve(team_keys(listing=listing), wsgi=True)
    results = scan_app(server.url, ExcessiveData(), _team_roles())
    loud = _loud(results)
    if listing != "team":
        assert loud == {}
        return
    finding = loud["GET /keys [].secret"]
    assert (finding.severity, finding.confidence) == (Severity.HIGH, Confidence.FIRM)
    assert "alice and bob" in finding.detail
