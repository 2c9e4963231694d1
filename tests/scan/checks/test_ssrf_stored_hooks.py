"""ssrf through a stored webhook's test delivery, under its parent, answered in an envelope.

The NestJS trial's ``POST /organisers/{orgSlug}/webhooks`` stores a URL and answers
``{"data": {"id": 3, ...}, "meta": {}}``; ``POST /organisers/{orgSlug}/webhooks/{webhookId}
/test`` fetches it. The scan's probe made the webhook but read no id out of that envelope,
so the test delivery was never called, and when it was it named another organiser than
the webhook's. A Falcon API of that shape: the flawed build fetches any stored URL, the
careful one only ``https://hooks.example.com``.
"""

from __future__ import annotations

import itertools
import json
import urllib.request
from collections.abc import Callable
from typing import Any

import falcon
import pytest
from ownership_support import scan_app

from apiward.core.findings import Severity
from apiward.scan import Identity
from apiward.scan.checks.ssrf import Ssrf

ORGS = {"acme-events": {"olga", "omar"}, "blue-note": {"wes"}}
TOKENS = {f"tk-{name}": name for members in ORGS.values() for name in members}
JSON = "application/json"
SLUG = {"name": "orgSlug", "in": "path", "required": True, "schema": {"type": "string"}}
HOOK = {"name": "webhookId", "in": "path", "required": True, "schema": {"type": "integer"}}


def _contract() -> dict[str, Any]:
    hook = {"type": "object", "properties": {"url": {"type": "string", "format": "uri"}}}
    ok = {"200": {"description": "OK"}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "hooks", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/organisers": {"get": {"summary": "Organisers you belong to", "responses": ok}},
            "/organisers/{orgSlug}/webhooks": {
                "get": {"parameters": [SLUG], "responses": ok},
                "post": {"parameters": [SLUG], "responses": {"201": {"description": "stored"}},
                         "requestBody": {"content": {JSON: {"schema": hook}}}},
            },
            "/organisers/{orgSlug}/webhooks/{webhookId}": {
                "delete": {"parameters": [SLUG, HOOK], "responses": {"204": {"description": "gone"}}},
            },
            "/organisers/{orgSlug}/webhooks/{webhookId}/test": {
                "post": {"summary": "Send a test delivery", "parameters": [SLUG, HOOK], "responses": ok},
            },
        },
    }  # fmt: skip


class _Hooks:
    def __init__(self, careful: bool) -> None:
        self.careful = careful
        self.hooks: dict[int, dict[str, Any]] = {}
        self.ids = itertools.count(1)

    def _member(self, req: falcon.Request, org: str | None = None) -> str:
        who = TOKENS.get((req.get_header("Authorization") or "").removeprefix("Bearer "))
        if who is None:
            raise falcon.HTTPUnauthorized()
        if org is not None and who not in ORGS.get(org, set()):
            raise falcon.HTTPNotFound()
        return who

    def on_get_orgs(self, req: falcon.Request, resp: falcon.Response) -> None:
        who = self._member(req)
        resp.media = {"data": [{"slug": s} for s, m in ORGS.items() if who in m], "meta": {}}

    def on_get(self, req: falcon.Request, resp: falcon.Response, org: str) -> None:
        self._member(req, org)
        resp.media = {"data": [h for h in self.hooks.values() if h["org"] == org], "meta": {}}

    def on_post(self, req: falcon.Request, resp: falcon.Response, org: str) -> None:
        self._member(req, org)
        url = str((req.get_media(default_when_empty={}) or {}).get("url", ""))
        if self.careful and not url.startswith("https://hooks.example.com/"):
            raise falcon.HTTPBadRequest(description="webhook URLs must be on hooks.example.com")
        hook = {"id": next(self.ids), "org": org, "url": url}
        self.hooks[hook["id"]] = hook
        resp.status, resp.media = falcon.HTTP_201, {"data": hook, "meta": {}}

    def on_delete_item(
        self, req: falcon.Request, resp: falcon.Response, org: str, hook: int
    ) -> None:
        self._member(req, org)
        if self.hooks.get(hook, {}).get("org") != org:
            raise falcon.HTTPNotFound()
        del self.hooks[hook]
        resp.status = falcon.HTTP_204

    def on_post_test(self, req: falcon.Request, resp: falcon.Response, org: str, hook: int) -> None:
        self._member(req, org)
        found = self.hooks.get(hook)
        if found is None or found["org"] != org:
            raise falcon.HTTPNotFound()
        try:
            with urllib.request.urlopen(found["url"], timeout=2) as answer:
                resp.media = {"data": {"delivered": True, "status": answer.status}, "meta": {}}
        except (OSError, ValueError) as error:
            resp.media = {"data": {"delivered": False, "error": str(error)}, "meta": {}}


class _Contract:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.text = json.dumps(_contract())


def hooks(*, careful: bool) -> falcon.App:
    """The app; ``careful`` stores only URLs on its own webhook host."""
    app, resource = falcon.App(), _Hooks(careful)
    app.add_route("/openapi.json", _Contract())
    app.add_route("/organisers", resource, suffix="orgs")
    app.add_route("/organisers/{org}/webhooks", resource)
    app.add_route("/organisers/{org}/webhooks/{hook:int}", resource, suffix="item")
    app.add_route("/organisers/{org}/webhooks/{hook:int}/test", resource, suffix="test")
    return app


def _members() -> tuple[Identity, ...]:
    return tuple(
        Identity(name=name, role="member", headers={"Authorization": f"Bearer {token}"})
        for token, name in TOKENS.items()
    )


@pytest.mark.parametrize("careful", [False, True], ids=["fetches-anything", "allow-list"])
def test_a_stored_webhook_is_delivered_under_its_organiser(
    serve: Callable[..., Any], careful: bool
) -> None:
    """The flawed build's test delivery reaches the canary: ssrf on the creation; none else."""
    server = serve(hooks(careful=careful), wsgi=True)
    results = scan_app(server.url, Ssrf(), _members())
    loud = [f for f in results.findings if f.severity >= Severity.MEDIUM]
    if careful:
        assert loud == []
        return
    assert [f.operation for f in loud] == ["POST /organisers/{orgSlug}/webhooks"], loud
    assert "trigger" in loud[0].detail, loud[0].detail
