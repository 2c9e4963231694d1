"""A card of a public board is anyone's to read, though its path names no board.

The Express trial's boards are public or the team's; ``GET /boards/{boardId}`` says public
boards and "their cards, comments and attachments" are readable by any signed-in user, and
a card is read at ``GET /cards/{cardId}``, holding its ``boardId``. Erin, of another team,
reading a card on Acme's public board was called a high BOLA three times (the card, its
comments, its attachments). The board a card's ``boardId`` names is read now, like a parent
in the path, and so is the board of the card a comment listing's path names
(``_parents.public_parent``); a card of a team board stays a finding.
"""

import itertools
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: alice, role: admin, headers: {Authorization: Bearer t-alice}}
  - {name: erin, role: admin, headers: {Authorization: Bearer t-erin}}
"""
TEAMS = {"Bearer t-alice": "acme", "Bearer t-erin": "globex"}
BOARD_ID = {"name": "boardId", "in": "path", "required": True, "schema": {"type": "string"}}
CARD_ID = {"name": "cardId", "in": "path", "required": True, "schema": {"type": "string"}}
OK = {"200": {"description": "OK"}, "404": {"description": "Not found"}}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "boards", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/boards": {"get": {"summary": "Boards of my team", "responses": OK}},
        "/boards/{boardId}": {"get": {
            "summary": "A board of my team, or any public board",
            "description": "Boards with visibility `public` are publicly readable by any "
                           "signed-in user; their cards, comments and attachments too.",
            "parameters": [BOARD_ID], "responses": OK}},
        "/boards/{boardId}/cards": {
            "get": {"summary": "Cards of a board", "parameters": [BOARD_ID], "responses": OK},
            "post": {"summary": "Add a card", "parameters": [BOARD_ID],
                     "requestBody": {"content": {"application/json": {"schema": {
                         "type": "object", "required": ["title"],
                         "properties": {"title": {"type": "string"}}}}}},
                     "responses": {"201": {"description": "Created"}}}},
        "/cards/{cardId}/comments": {
            "get": {"summary": "Comments on a card", "parameters": [CARD_ID], "responses": OK},
            "post": {"summary": "Comment on a card", "parameters": [CARD_ID],
                     "requestBody": {"content": {"application/json": {"schema": {
                         "type": "object", "required": ["text"],
                         "properties": {"text": {"type": "string"}}}}}},
                     "responses": {"201": {"description": "Created"}}}},
        "/cards/{cardId}/comments/{commentId}": {"delete": {
            "summary": "Delete a comment", "responses": OK,
            "parameters": [CARD_ID, {"name": "commentId", "in": "path", "required": True,
                                     "schema": {"type": "string"}}]}},
        "/cards/{cardId}": {
            "get": {"summary": "A card", "parameters": [CARD_ID], "responses": OK},
            "delete": {"summary": "Delete a card of my team", "parameters": [CARD_ID],
                       "responses": OK}},
    },
}  # fmt: skip


class Boards:
    """Acme's public and team boards, Globex's team board, their cards, and the app."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed  # any card of any board, to anyone
        self.boards = {  # the public board first: the scan's cards go there
            "665f1a000500000000000002": {"team": "acme", "name": "Community", "visibility": "public"},
            "665f1a000500000000000001": {"team": "acme", "name": "Roadmap", "visibility": "team"},
            "665f1a000500000000000006": {"team": "globex", "name": "Ops", "visibility": "team"},
        }  # fmt: skip
        self.cards: dict[str, dict[str, Any]] = {}
        self.comments_on: dict[str, dict[str, dict[str, Any]]] = {}
        self.ids = itertools.count(0x6B1690DD)
        for board, found in self.boards.items():  # the public board's are the scan's alone
            if found["visibility"] == "team":
                self._card(board, "Seeded card", "owner")

    def _card(self, board: str, title: str, by: str) -> dict[str, Any]:
        key = f"{next(self.ids):x}{'0' * 16}"
        card = {"_id": key, "boardId": board, "title": title, "createdBy": by, "__v": 0}
        self.cards[key] = card
        return card

    def app(self) -> Starlette:
        """The API."""
        return Starlette(
            routes=[
                Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
                Route("/boards", self.listing),
                Route("/boards/{board}", self.board),
                Route("/boards/{board}/cards", self.board_cards, methods=["GET", "POST"]),
                Route("/cards/{card}", self.card, methods=["GET", "DELETE"]),
                Route("/cards/{card}/comments", self.comments, methods=["GET", "POST"]),
                Route("/cards/{card}/comments/{comment}", self.uncomment, methods=["DELETE"]),
            ]
        )

    def _sees(self, team: str, board: str) -> bool:
        found = self.boards.get(board)
        return found is not None and (found["team"] == team or found["visibility"] == "public")

    @staticmethod
    def _ok(data: Any, status: int = 200) -> Response:
        return JSONResponse({"success": True, "data": data}, status)

    @staticmethod
    def _fail(status: int, message: str) -> Response:
        return JSONResponse({"success": False, "message": message}, status)

    async def listing(self, request: Request) -> Response:
        team = TEAMS.get(request.headers.get("authorization", ""))
        if team is None:
            return self._fail(401, "Not authorized, no token")
        mine = [{"_id": k, **b} for k, b in self.boards.items() if b["team"] == team]
        return self._ok(mine)

    async def board(self, request: Request) -> Response:
        team = TEAMS.get(request.headers.get("authorization", ""))
        if team is None:
            return self._fail(401, "Not authorized, no token")
        key = request.path_params["board"]
        if not self._sees(team, key):
            return self._fail(404, "Board not found")
        return self._ok({"_id": key, **self.boards[key]})

    async def board_cards(self, request: Request) -> Response:
        team = TEAMS.get(request.headers.get("authorization", ""))
        key = request.path_params["board"]
        if team is None:
            return self._fail(401, "Not authorized, no token")
        if not self._sees(team, key):
            return self._fail(404, "Board not found")
        if request.method == "POST":
            if self.boards[key]["team"] != team:
                return self._fail(403, "Not your team's board")
            body = await request.json()
            title = body.get("title") if isinstance(body, dict) else None
            if not isinstance(title, str) or not title:
                return self._fail(400, "title is required")
            return self._ok(self._card(key, title, team), 201)
        return self._ok([c for c in self.cards.values() if c["boardId"] == key])

    async def comments(self, request: Request) -> Response:
        team = TEAMS.get(request.headers.get("authorization", ""))
        if team is None:
            return self._fail(401, "Not authorized, no token")
        card = self.cards.get(request.path_params["card"])
        if card is None or not (self.flawed or self._sees(team, card["boardId"])):
            return HTMLResponse("<pre>Cannot GET comments</pre>", 404)
        mine = self.comments_on.setdefault(card["_id"], {})
        if request.method == "POST":
            if self.boards[card["boardId"]]["team"] != team:
                return self._fail(403, "Not your team's card")
            body = await request.json()
            text = body.get("text") if isinstance(body, dict) else None
            if not isinstance(text, str) or not text:
                return self._fail(400, "text is required")
            key = f"{next(self.ids):x}{'0' * 16}"
            mine[key] = {"_id": key, "cardId": card["_id"], "text": text, "author": team}
            return self._ok(mine[key], 201)
        return self._ok(list(mine.values()))

    async def uncomment(self, request: Request) -> Response:
        team = TEAMS.get(request.headers.get("authorization", ""))
        card = self.cards.get(request.path_params["card"])
        if team is None or card is None or self.boards[card["boardId"]]["team"] != team:
            return self._fail(404, "Comment not found")
        if self.comments_on.get(card["_id"], {}).pop(request.path_params["comment"], None):
            return self._ok({})
        return self._fail(404, "Comment not found")

    async def card(self, request: Request) -> Response:
        team = TEAMS.get(request.headers.get("authorization", ""))
        if team is None:
            return self._fail(401, "Not authorized, no token")
        card = self.cards.get(request.path_params["card"])
        if card is None or not (self.flawed or self._sees(team, card["boardId"])):
            return HTMLResponse("<pre>Cannot GET card</pre>", 404)
        if request.method == "DELETE":
            if self.boards[card["boardId"]]["team"] != team:
                return self._fail(404, "Card not found")
            del self.cards[card["_id"]]
            return self._ok({})
        return self._ok(card)


@pytest.mark.parametrize("flawed", [False, True], ids=["checked", "flawed"])
def test_a_public_boards_card_is_no_finding_a_team_boards_is(tmp_path: Path, flawed: bool) -> None:
    """Reading a card of a public board is no BOLA; of a team board, on the flawed twin, it is."""
    with serving(Boards(flawed=flawed).app()) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert done.returncode < 2, done.stdout + done.stderr
    reads = {
        f["operation"]: f["severity"]
        for f in report["findings"]
        if f["operation"] in {"GET /cards/{cardId}", "GET /cards/{cardId}/comments"}
    }
    if not flawed:
        assert reads == {}, [f["detail"] for f in report["findings"]]
        return
    assert reads == {"GET /cards/{cardId}": "high", "GET /cards/{cardId}/comments": "high"}
