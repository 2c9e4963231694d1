"""A message its sender changes is the sender's, though only its recipient lists it.

The hapi trial's school lists each student the messages sent to them; a message dave sent
carol is in carol's listing only, so the harvest calls it carol's. Dave changing it (the
sender may) was reported as dave changing carol's object, and the planted flaw, anyone
changing anyone's message, was then shown on the wrong message. Now an object whose row
names the attacker as its maker (``senderId``) is not tried as another's: the flawed
school shows dave changing the message the teacher sent carol; the careful one, where
only a sender changes a message, gives nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: carol, role: student, headers: {Authorization: Bearer sm-carol}}
  - {name: dave, role: student, headers: {Authorization: Bearer sm-dave}}
"""
PEOPLE = {"Bearer sm-carol": "St-carol", "Bearer sm-dave": "St-dave"}
_ID = {"name": "messageId", "in": "path", "required": True, "schema": {"type": "string"}}
_BODY = {"content": {"application/json": {"schema": {
    "type": "object", "properties": {"subject": {"type": "string", "maxLength": 80},
                                     "body": {"type": "string", "maxLength": 500}}}}}}  # fmt: skip
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "school", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/users/me": {"get": {"responses": {"200": {"description": "Me"}}}},
        "/messages": {"get": {"summary": "Messages sent to me",
                              "responses": {"200": {"description": "Inbox"}}}},
        "/messages/{messageId}": {"patch": {
            "summary": "Edit a message", "parameters": [_ID], "requestBody": _BODY,
            "responses": {"200": {"description": "Edited"}, "404": {"description": "No"}}}},
    },
}  # fmt: skip


def _school(*, flawed: bool) -> tuple[Starlette, dict[str, dict[str, Any]]]:
    messages = {
        "Ms-ta-ca": {"senderId": "Tc-taylor", "recipientId": "St-carol", "subject": "Essay",
                     "body": "Two more days, fine."},
        "Ms-da-ca": {"senderId": "St-dave", "recipientId": "St-carol", "subject": "Study",
                     "body": "Library at four?"},
        "Ms-ca-da": {"senderId": "St-carol", "recipientId": "St-dave", "subject": "Re: Study",
                     "body": "See you there."},
        "Ms-ta-da": {"senderId": "Tc-taylor", "recipientId": "St-dave", "subject": "Grades",
                     "body": "Well done on the test."},
    }  # fmt: skip

    async def me(request: Request) -> Response:
        who = PEOPLE.get(request.headers.get("authorization", ""))
        return JSONResponse({"id": who}) if who else JSONResponse({"error": "no"}, 401)

    async def inbox(request: Request) -> Response:
        who = PEOPLE.get(request.headers.get("authorization", ""))
        if who is None:
            return JSONResponse({"error": "no"}, 401)
        return JSONResponse(
            [{"id": k, **m} for k, m in messages.items() if m["recipientId"] == who]
        )

    async def edit(request: Request) -> Response:
        who = PEOPLE.get(request.headers.get("authorization", ""))
        found = messages.get(request.path_params["messageId"])
        if who is None:
            return JSONResponse({"error": "no"}, 401)
        if found is None or (not flawed and found["senderId"] != who):
            return JSONResponse({"statusCode": 404, "message": "Message not found"}, 404)
        body = await request.json()
        found.update({k: body[k] for k in ("subject", "body") if isinstance(body.get(k), str)})
        return JSONResponse({"id": request.path_params["messageId"], **found})

    app = Starlette(
        routes=[
            Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
            Route("/users/me", me),
            Route("/messages", inbox),
            Route("/messages/{messageId}", edit, methods=["PATCH"]),
        ]
    )
    return app, messages


@pytest.mark.parametrize("flawed", [True, False], ids=["anyone-edits", "sender-edits"])
def test_a_message_is_tried_as_anothers_only_where_the_attacker_did_not_send_it(
    tmp_path: Path, flawed: bool
) -> None:
    """Flawed: a BOLA shown on the teacher's message; careful: none."""
    app, _ = _school(flawed=flawed)
    with serving(app) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
    found = [f for f in report["findings"] if f["check"] == "bola"]
    if not flawed:
        assert found == []
        return
    assert [f["operation"] for f in found] == ["PATCH /messages/{messageId}"]
    assert "Ms-ta-" in found[0]["evidence"][-1]["request"]["url"]
