"""ssrf through an action that only asks, under a parent its caller shares with others.

A team API written the Falcon way: ``GET /teams`` lists the caller's teams, which its other
members list too; ``POST /teams/{team_id}/webhooks/test`` sends a test delivery to the URL
in its body and stores nothing. The flawed build fetches any URL; the careful one only
``https://hooks.example.com``. Testing a webhook changes nothing, so naming the shared team
is no write to another's object: the probe goes, and only the flawed build is reported;
under ``--safe`` too (the Fastify trial's ``--safe`` scan withheld it as naming an object
the scan did not create, and missed the SSRF its default scan found).
"""

from __future__ import annotations

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

TEAMS = {1: {"name": "Ops", "members": {"nora": "owner", "omar": "member"}},
         2: {"name": "Web", "members": {"wes": "owner", "wyn": "member"}}}  # fmt: skip
TOKENS = {f"tk-{name}": name for team in TEAMS.values() for name in team["members"]}
JSON = "application/json"


def _contract() -> dict[str, Any]:
    team_id = {"name": "team_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    hook = {"type": "object", "properties": {"url": {"type": "string", "format": "uri"}}}
    listed = {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}}}  # fmt: skip
    return {
        "openapi": "3.0.3",
        "info": {"title": "teams", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/teams": {"get": {"responses": {"200": {"description": "mine", "content": {JSON: {"schema": listed}}}}}},
            "/teams/{team_id}/webhooks/test": {
                "post": {
                    "parameters": [team_id],
                    "requestBody": {"content": {JSON: {"schema": hook}}},
                    "responses": {"200": {"description": "the delivery's outcome"}},
                }
            },
        },
    }  # fmt: skip


class _Teams:
    def __init__(self, careful: bool) -> None:
        self.careful = careful

    def _who(self, req: falcon.Request) -> str:
        who = TOKENS.get((req.get_header("Authorization") or "").removeprefix("Bearer "))
        if who is None:
            raise falcon.HTTPUnauthorized()
        return who

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        who = self._who(req)
        resp.media = [{"id": k, "name": t["name"]} for k, t in TEAMS.items() if who in t["members"]]

    def on_post_test(self, req: falcon.Request, resp: falcon.Response, team_id: int) -> None:
        who = self._who(req)
        if who not in TEAMS.get(team_id, {"members": {}})["members"]:
            raise falcon.HTTPForbidden()
        url = str((req.get_media(default_when_empty={}) or {}).get("url", ""))
        if self.careful and not url.startswith("https://hooks.example.com/"):
            raise falcon.HTTPBadRequest(description="webhook URLs must be on hooks.example.com")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                resp.media = {"delivered": True, "status": answer.status}
        except OSError as error:
            resp.media = {"delivered": False, "error": str(error)}


class _Contract:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.text = json.dumps(_contract())


def teams(*, careful: bool) -> falcon.App:
    """The app; ``careful`` keeps test deliveries to its own webhook host."""
    app = falcon.App()
    resource = _Teams(careful)
    app.add_route("/openapi.json", _Contract())
    app.add_route("/teams", resource)
    app.add_route("/teams/{team_id:int}/webhooks/test", resource, suffix="test")
    return app


def _members() -> tuple[Identity, ...]:
    return tuple(
        Identity(name=name, role="member", headers={"Authorization": f"Bearer {token}"})
        for token, name in TOKENS.items()
        if name in {"omar", "wyn"}
    )


@pytest.mark.parametrize("safe", [False, True], ids=["default", "safe"])
@pytest.mark.parametrize("careful", [False, True], ids=["fetches-anything", "allow-list"])
def test_a_webhook_test_under_a_shared_team_is_probed(
    serve: Callable[..., Any], careful: bool, safe: bool
) -> None:
    server = serve(teams(careful=careful), wsgi=True)
    results = scan_app(server.url, Ssrf(), _members(), safe=safe)
    loud = [f for f in results.findings if f.severity >= Severity.MEDIUM]
    if careful:
        assert loud == []
        ran = {op for check, op in results.ran if check == "ssrf"}
        assert "POST /teams/{team_id}/webhooks/test" in ran
        return
    assert [f.operation for f in loud] == ["POST /teams/{team_id}/webhooks/test"]
