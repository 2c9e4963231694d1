"""bfla on a read whose summary names its role in brackets: "(organizers)".

A ticketing API written the Litestar way (in Starlette): ``GET /events/{event_id}/attendees``
is "List attendees of an event (organizers)". In the Litestar trial any attendee read it,
and bfla said nothing: no privileged word (admin, staff) marked it, and every role got 200.
A role of the identities file named so, ranked above the reader's, marks the read as that
role's: the flawed build is reported, the careful one (403 to attendees) is not. Each
identity's record names the event it goes to, so each baseline lists another event: the
attendee is sent the organizer's very read (an event every identity lists). A rule
about a part of an operation is no rule for the whole: "Add a comment (internal notes:
organizers only)" lets attendees comment (the Fastify trial's medium false positive).
"""

from __future__ import annotations

from typing import Any

import pytest
from ownership_support import scan_app
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apiward.core.findings import Severity
from apiward.scan import Identity
from apiward.scan.checks.bfla import Bfla
from serving import serving

TOKENS = {"tk-ana-1": ("ana", "attendee"), "tk-abe-2": ("abe", "attendee"), "tk-olga-3": ("olga", "organizer")}  # fmt: skip
ATTENDEES = {
    1: [
        {"name": "Ana Attendee", "email": "ana@tix.test", "tickets": 2},
        {"name": "Abe Attendee", "email": "abe@tix.test", "tickets": 1},
    ],
    2: [{"name": "Ana Attendee", "email": "ana@tix.test", "tickets": 1}],
}
GOING = {"ana": 2, "abe": 2, "olga": 1}
"""The event each one's own record names: each baseline lists a different event's attendees."""
JSON = "application/json"


def _contract() -> dict[str, Any]:
    person = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "email": {"type": "string"},
            "tickets": {"type": "integer"},
        },
    }
    event = {"type": "object", "properties": {"id": {"type": "integer"}, "title": {"type": "string"}}}  # fmt: skip
    event_id = {"name": "event_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    comment = {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}}
    made = {"type": "object", "properties": {"id": {"type": "integer"}, "text": {"type": "string"}}}

    def answer(schema: dict[str, Any]) -> dict[str, Any]:
        return {"200": {"description": "OK", "content": {JSON: {"schema": schema}}}}

    return {
        "openapi": "3.1.0",
        "info": {"title": "Ticketbooth", "version": "1.0.0"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/events": {
                "get": {
                    "summary": "List published events",
                    "responses": answer({"type": "array", "items": event}),
                }
            },
            "/me": {
                "get": {
                    "summary": "Who I am",
                    "responses": answer(
                        {
                            "type": "object",
                            "properties": {
                                "name": {"type": "string"},
                                "event_id": {"type": "integer"},
                            },
                        }
                    ),
                }
            },
            "/events/{event_id}/comments": {
                "post": {
                    "summary": "Add a comment (internal notes: organizers only)",
                    "parameters": [event_id],
                    "requestBody": {"content": {JSON: {"schema": comment}}},
                    "responses": {
                        "201": {"description": "Created", "content": {JSON: {"schema": made}}}
                    },
                }
            },
            "/comments/{comment_id}": {
                "delete": {
                    "parameters": [
                        {
                            "name": "comment_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        }
                    ],
                    "responses": {"204": {"description": "No Content"}},
                }
            },
            "/events/{event_id}/attendees": {
                "get": {
                    "summary": "List attendees of an event (organizers)",
                    "parameters": [event_id],
                    "responses": answer({"type": "array", "items": person}),
                }
            },
        },
    }


def booth(*, careful: bool) -> Starlette:
    """The app; ``careful`` answers the attendee list to organizers only."""

    def who(request: Request) -> tuple[str, str] | None:
        return TOKENS.get(request.headers.get("authorization", "").removeprefix("Bearer "))

    def detail(status: int, text: str) -> Response:
        return JSONResponse({"status_code": status, "detail": text}, status_code=status)

    async def spec(request: Request) -> Response:
        return JSONResponse(_contract())

    async def events(request: Request) -> Response:
        if who(request) is None:
            return detail(401, "No credentials were provided")
        return JSONResponse([{"id": 1, "title": "Jazz night"}, {"id": 2, "title": "Folk fest"}])

    async def me(request: Request) -> Response:
        caller = who(request)
        if caller is None:
            return detail(401, "No credentials were provided")
        return JSONResponse({"name": caller[0], "event_id": GOING[caller[0]]})

    async def attendees(request: Request) -> Response:
        caller = who(request)
        if caller is None:
            return detail(401, "No credentials were provided")
        if request.path_params["event_id"] not in ATTENDEES:
            return detail(404, "Not Found")
        if careful and caller[1] != "organizer":
            return detail(403, "Permission denied")
        return JSONResponse(ATTENDEES[request.path_params["event_id"]])

    comments: dict[int, str] = {}

    async def comment(request: Request) -> Response:
        if who(request) is None:
            return detail(401, "No credentials were provided")
        if request.method == "DELETE":
            comments.pop(request.path_params["comment_id"], None)
            return Response(status_code=204)
        if request.path_params["event_id"] != 1:
            return detail(404, "Not Found")
        key = len(comments) + 100
        comments[key] = "comment"
        return JSONResponse({"id": key, "text": "comment"}, status_code=201)

    return Starlette(
        routes=[
            Route("/openapi.json", spec),
            Route("/events", events),
            Route("/me", me),
            Route("/events/{event_id:int}/comments", comment, methods=["POST"]),
            Route("/comments/{comment_id:int}", comment, methods=["DELETE"]),
            Route("/events/{event_id:int}/attendees", attendees),
        ]
    )


def _people() -> tuple[Identity, ...]:
    ranks = {"attendee": 1, "organizer": 5}
    return tuple(
        Identity(name=name, role=role, rank=ranks[role], headers={"Authorization": f"Bearer {tk}"})
        for tk, (name, role) in TOKENS.items()
    )


@pytest.mark.parametrize("careful", [False, True], ids=["anyone", "organizers-only"])
def test_a_read_given_to_organizers_in_brackets(careful: bool) -> None:
    """An attendee reading the organizers' list is a finding; refused, it is none."""
    with serving(booth(careful=careful)) as url:
        results = scan_app(url, Bfla(), _people())
    loud = [f for f in results.findings if f.severity >= Severity.MEDIUM]
    if careful:
        assert loud == []
        return
    assert [f.operation for f in loud] == ["GET /events/{event_id}/attendees"], results.findings
    assert "(organizers)" in loud[0].detail
