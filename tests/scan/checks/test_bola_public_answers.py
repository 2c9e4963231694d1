"""bola on a profile read whose *answer* the contract calls public, and on bare profiles.

A running club's API written with Starlette, its contract in YAML at ``/spec.yaml``,
``Authorization: Token <key>``, errors as ``{"error": {"code", "message"}}``.
``GET /whoami`` answers the caller's own runner record (e-mail included);
``GET /runners/{runnerId}`` answers any runner to any signed-in runner. Only the 200
answer's words differ between the cases: its description ("Public runner card"), or the
name of the schema it refers to (``PublicRunner``), or neither.

* The answer called public: no finding, and a skip says why.
* Neither, and the answer holds only profile fields (name, avatar, bio, join date):
  still reported, but medium, saying the contract could call it public.
* The answer called private, or one that carries an e-mail: high.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apiward.core.findings import Finding, Severity
from apiward.core.registry import Registry
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.check import SkipReason
from apiward.scan.checks.bola import Bola
from apiward.spec import load

READ = "GET /runners/{runnerId}"
KEYS = {"Token rc-mina": 7, "Token rc-theo": 8}
RUNNERS = (
    Identity(name="mina", role="runner", headers={"Authorization": "Token rc-mina"}),
    Identity(name="theo", role="runner", headers={"Authorization": "Token rc-theo"}),
)
CARDS = {
    7: {"runnerId": 7, "displayName": "Mina K.", "avatarUrl": "/a/7.png", "bio": "Trails, 50k"},
    8: {"runnerId": 8, "displayName": "Theo R.", "avatarUrl": "/a/8.png", "bio": "Track, 800m"},
}
EMAILS = {7: "mina@club.example", 8: "theo@club.example"}


def _spec(description: str, schema: str) -> str:
    runner = {
        "type": "object",
        "properties": {
            "runnerId": {"type": "integer"},
            "displayName": {"type": "string"},
            "avatarUrl": {"type": "string"},
            "bio": {"type": "string"},
            "email": {"type": "string"},
        },
    }
    answer = {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "Running club", "version": "4.1"},
        "security": [{"token": []}],
        "components": {
            "securitySchemes": {
                "token": {"type": "apiKey", "in": "header", "name": "Authorization"}
            },
            "schemas": {schema: runner},
        },
        "paths": {
            "/whoami": {
                "get": {"responses": {"200": {"description": "You", "content": answer}}},
            },
            "/runners/{runnerId}": {
                "get": {
                    "operationId": "getRunner",
                    "summary": "Get a runner",
                    "parameters": [
                        {
                            "name": "runnerId",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": {
                        "200": {"description": description, "content": answer},
                        "404": {"description": "No such runner"},
                    },
                }
            },
        },
    }
    return yaml.safe_dump(spec, sort_keys=False)


def club(*, description: str = "OK", schema: str = "Runner", with_email: bool = False) -> Starlette:
    """The club's API; the profile read's 200 says ``description`` of a ``schema``."""

    def refuse(status: int, code: str, message: str) -> Response:
        return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)

    async def spec(_: Request) -> Response:
        return Response(_spec(description, schema), media_type="application/yaml")

    async def whoami(request: Request) -> Response:
        me = KEYS.get(request.headers.get("authorization", ""))
        if me is None:
            return refuse(401, "unauthenticated", "Send your club token")
        return JSONResponse({**CARDS[me], "email": EMAILS[me]})

    async def runner(request: Request) -> Response:
        if request.headers.get("authorization", "") not in KEYS:
            return refuse(401, "unauthenticated", "Send your club token")
        wanted = request.path_params["runnerId"]
        if wanted not in CARDS:
            return refuse(404, "not_found", "No runner with that number")
        extra = {"email": EMAILS[wanted]} if with_email else {}
        return JSONResponse({**CARDS[wanted], **extra})

    return Starlette(
        routes=[
            Route("/spec.yaml", spec),
            Route("/whoami", whoami),
            Route("/runners/{runnerId:int}", runner),
        ]
    )


def _scan(serve: Callable[..., Any], **words: Any) -> Results:
    url = serve(club(**words)).url
    api = load(f"{url}/spec.yaml", allow_private=True)
    config = ScanConfig(target=url, identities=RUNNERS)
    results = asyncio.run(scan(api, config, Registry("check", [("bola", Bola())])))
    assert results.errors == []
    return results


def _read(results: Results) -> list[Finding]:
    return [f for f in results.findings if f.operation == READ]


@pytest.mark.parametrize(
    "words",
    [{"description": "Public runner card"}, {"schema": "PublicRunner"}],
    ids=["response-description", "schema-name"],
)
def test_an_answer_the_contract_calls_public_is_no_bola(
    serve: Callable[..., Any], words: dict[str, str]
) -> None:
    """theo reads mina's card, but the contract's 200 answer calls it public: a skip, no finding."""
    results = _scan(serve, **words)
    assert _read(results) == []
    skips = [s for s in results.skipped if s.operation == READ]
    assert [s.reason for s in skips] == [SkipReason.NOT_APPLICABLE.value]
    assert "public" in skips[0].detail


def test_a_bare_profile_the_contract_is_silent_on_is_medium(serve: Callable[..., Any]) -> None:
    """Only name, avatar and bio come back: still reported, medium, and the detail says why."""
    [finding] = _read(_scan(serve))
    assert finding.severity is Severity.MEDIUM
    assert "avatarUrl, bio, displayName, runnerId" in finding.detail
    assert "Public profile" in finding.detail


@pytest.mark.parametrize(
    "words",
    [
        {"description": "Runner card (private to the runner)"},
        {"schema": "NonPublicRunner"},
        {"with_email": True},
    ],
    ids=["private", "non-public-schema", "email"],
)
def test_a_profile_said_private_or_with_an_email_stays_high(
    serve: Callable[..., Any], words: dict[str, Any]
) -> None:
    """The contract calls the answer private, or the answer carries an e-mail: high."""
    [finding] = _read(_scan(serve, **words))
    assert finding.severity is Severity.HIGH
    assert finding.title == "theo reads mina's object through path runnerId"
