"""The dashboard's JSON API behind apiward's own guard, with the shipped policy (guard.yaml).

The contract the guard enforces is the API's own OpenAPI document, shipped beside the
policy as ``openapi.json`` (``python -m apiward.server.contract`` writes it again; a test
checks it is the app's). Pages and static files are HTML forms and files, not the
contract's operations, so only paths under ``/api/`` pass through the guard (but the
document itself, ``/api/openapi.json``). Starlette routes on the same decoded path the
prefix is read from, so no API operation is reachable around the guard.

An API token in a URL is refused before the guard sees it (tokens go in the
``Authorization`` header): the guard's audit events record paths and query names,
and a token must never reach them.
"""

from __future__ import annotations

import dataclasses
from importlib import resources
from urllib.parse import unquote_plus

from starlette.responses import JSONResponse

from apiward.core.redact import API_TOKEN
from apiward.guard import Guard, Policy
from apiward.guard.context import ASGIApp, Receive, Scope, Send

POLICY = resources.files("apiward.server").joinpath("guard.yaml")
CONTRACT = resources.files("apiward.server").joinpath("openapi.json")
PREFIX = "/api/"
DOCUMENT = "/api/openapi.json"  # the contract itself is not one of its operations
IN_URL = JSONResponse(
    {"detail": "an API token goes in the Authorization header, never in a URL: revoke this one"},
    status_code=400,
)


def load_policy(*, audit: str | None = None) -> Policy:
    """The shipped policy; ``audit`` replaces its sink (stdout) with a path or URL."""
    policy = Policy.load(str(POLICY))
    if audit is None:
        return policy
    return dataclasses.replace(policy, audit=dataclasses.replace(policy.audit, sink=audit))


class ApiGuard:
    """ASGI middleware: requests under ``/api/`` through the guard, the rest straight on."""

    def __init__(self, app: ASGIApp, *, policy: Policy) -> None:
        self.app = app
        self.guard = Guard(app, policy=policy)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        guarded = scope["type"] == "lifespan" or (
            scope["type"] == "http"
            and str(scope["path"]).startswith(PREFIX)
            and scope["path"] != DOCUMENT
        )
        if guarded and scope["type"] == "http" and _token_in_url(scope):
            await IN_URL(scope, receive, send)
            return
        await (self.guard if guarded else self.app)(scope, receive, send)


def _token_in_url(scope: Scope) -> bool:
    query = unquote_plus(bytes(scope.get("query_string", b"")).decode("latin-1"))
    url = f"{scope['path']}?{query}"
    return API_TOKEN.search(url) is not None
