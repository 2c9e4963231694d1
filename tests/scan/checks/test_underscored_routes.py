"""shadow_endpoints and debug_endpoints try the underscored routes apps mount at the root.

A parts inventory written the Flask way documents only ``GET /parts``. Its sloppy
build also serves ``/_debug/state`` (a dump of its users, password hashes included)
and ``/_internal`` (the staff's pending jobs), anonymously; the tidy build serves
neither, and answers every unknown path with the same 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, jsonify
from ownership_support import scan_app

from apiward.core.findings import Finding, Severity
from apiward.scan.checks.shadow import DebugEndpoints, ShadowEndpoints

USERS = [
    {"username": "ines", "email": "ines@example.com", "password_hash": "pbkdf2:sha256$x1$9f2c"},
    {"username": "omar", "email": "omar@example.com", "password_hash": "pbkdf2:sha256$x2$77ab"},
]
JOBS = [
    {"job": "reorder bolts", "requested_by": "ines@example.com", "cost": 120},
    {"job": "audit stock", "requested_by": "omar@example.com", "cost": 80},
]
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "parts", "version": "1"},
    "paths": {
        "/parts": {
            "get": {
                "responses": {
                    "200": {
                        "description": "the parts",
                        "content": {"application/json": {"schema": {"type": "array"}}},
                    }
                }
            }
        }
    },
}


def _parts(*, sloppy: bool) -> Flask:
    web = Flask("parts")
    web.add_url_rule("/openapi.json", "contract", lambda: jsonify(CONTRACT))
    web.add_url_rule("/parts", "parts", lambda: jsonify([{"sku": "b-10", "name": "bolt"}]))
    if sloppy:
        web.add_url_rule("/_debug/state", "state", lambda: jsonify(users=USERS, db="/srv/p.db"))
        web.add_url_rule("/_internal", "internal", lambda: jsonify(jobs=JOBS))
    return web


def _scan(serve: Callable[..., Any], *, sloppy: bool) -> dict[str, Finding]:
    server = serve(_parts(sloppy=sloppy), wsgi=True)
    found: dict[str, Finding] = {}
    for check in (DebugEndpoints(), ShadowEndpoints()):
        results = scan_app(server.url, check, ())
        assert results.errors == []
        found |= {f.operation or "": f for f in results.findings}
    return found


def test_underscored_debug_and_internal_routes_are_found(serve: Callable[..., Any]) -> None:
    """/_debug/state showing password hashes and /_internal showing e-mails are findings."""
    found = _scan(serve, sloppy=True)
    assert found["GET /_debug/state"].check == "debug_endpoints"
    assert found["GET /_debug/state"].severity >= Severity.HIGH
    assert found["GET /_internal"].check == "shadow_endpoints"
    assert set(found) == {"GET /_debug/state", "GET /_internal"}


def test_silent_when_no_such_route_is_served(serve: Callable[..., Any]) -> None:
    """The tidy build answers the same words with its 404: nothing is reported."""
    assert _scan(serve, sloppy=False) == {}


def _tracker() -> Flask:
    """Six resources, each its own prefix, and ``/_debug/config`` left on at the root."""
    web = Flask("tracker")
    paths = {}
    for name in ("admin", "auth", "credits", "internal", "projects", "tasks"):
        paths[f"/{name}/ping"] = CONTRACT["paths"]["/parts"]
        web.add_url_rule(f"/{name}/ping", name, lambda: jsonify(ok=True))
    contract = {**CONTRACT, "paths": paths}
    web.add_url_rule("/openapi.json", "contract", lambda: jsonify(contract))
    web.add_url_rule(
        "/_debug/config", "config", lambda: jsonify(jwt_secret="s3cr3t-k3y-0f-th3-app")
    )
    return web


def test_the_roots_debug_route_is_asked_whatever_the_number_of_prefixes(
    serve: Callable[..., Any],
) -> None:
    """Six prefixes times every debug word exceed the cap: the root's own are asked early."""
    server = serve(_tracker(), wsgi=True)
    results = scan_app(server.url, DebugEndpoints(), ())
    assert [f.operation for f in results.findings] == ["GET /_debug/config"]
