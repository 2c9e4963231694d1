"""resource_limits: the items that fill a page go under the listing's own parent.

The Express trial lists a board's cards at ``GET /boards/{boardId}/cards?limit=`` (maximum
100, not enforced). With fewer than 100 cards on the board it read, the check made 96 cards
to fill a page, with the creation's own legitimate request, which goes under a board the
scan made itself: the board read still held four, and the check skipped, "fewer items than 100, cannot tell honoured
from clamped". Items are made under the listing's parents now.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: alice, role: admin, headers: {Authorization: Bearer t-alice}}
"""
BOARD = {"name": "boardId", "in": "path", "required": True, "schema": {"type": "string"}}
CARD = {"name": "cardId", "in": "path", "required": True, "schema": {"type": "string"}}
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "boards", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/boards": {
            "get": {"summary": "Boards of my team", "responses": {"200": {"description": "OK"}}},
            "post": {"summary": "Create a board",
                     "requestBody": {"content": {"application/json": {"schema": {
                         "type": "object", "required": ["name"],
                         "properties": {"name": {"type": "string"}}}}}},
                     "responses": {"201": {"description": "Created"}}}},
        "/boards/{boardId}": {"delete": {"summary": "Delete a board and its cards",
                                         "parameters": [BOARD],
                                         "responses": {"200": {"description": "OK"}}}},
        "/boards/{boardId}/cards": {
            "get": {"summary": "Cards of a board", "responses": {"200": {"description": "OK"}},
                    "parameters": [BOARD, {"name": "limit", "in": "query", "schema": {
                        "type": "integer", "minimum": 1, "maximum": 100, "default": 25}}]},
            "post": {"summary": "Add a card", "parameters": [BOARD],
                     "requestBody": {"content": {"application/json": {"schema": {
                         "type": "object", "required": ["title"],
                         "properties": {"title": {"type": "string"}}}}}},
                     "responses": {"201": {"description": "Created"}}}},
        "/cards/{cardId}": {"delete": {"summary": "Delete a card", "parameters": [CARD],
                                       "responses": {"200": {"description": "OK"}}}},
    },
}  # fmt: skip
SEEDED = ["665f1a000500000000000001", "665f1a000500000000000002"]


class Boards:
    """Two boards seeded with cards, more the scan makes; ``limit`` is never capped."""

    def __init__(self) -> None:
        self.ids = itertools.count(0x6B1690DD)
        self.boards_made: list[str] = []
        self.cards: dict[str, dict[str, Any]] = {}
        for board in SEEDED:
            for n in range(2):
                self._card(board, f"Seeded {n}")

    @property
    def all_boards(self) -> list[str]:
        """Seeded boards, then those the scan made."""
        return SEEDED + self.boards_made

    def _card(self, board: str, title: str) -> dict[str, Any]:
        key = f"{next(self.ids):x}{'0' * 16}"
        self.cards[key] = {"_id": key, "boardId": board, "title": title}
        return self.cards[key]

    def app(self) -> Starlette:
        """The API."""
        return Starlette(
            routes=[
                Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
                Route("/boards", self.boards, methods=["GET", "POST"]),
                Route("/boards/{board}", self.drop_board, methods=["DELETE"]),
                Route("/boards/{board}/cards", self.board_cards, methods=["GET", "POST"]),
                Route("/cards/{card}", self.delete, methods=["DELETE"]),
            ]
        )

    @staticmethod
    def _allowed(request: Request) -> bool:
        return request.headers.get("authorization") == "Bearer t-alice"

    async def boards(self, request: Request) -> Response:
        if not self._allowed(request):
            return JSONResponse({"success": False, "message": "Not authorized"}, 401)
        if request.method == "POST":
            key = f"{next(self.ids):x}{'0' * 16}"
            self.boards_made.append(key)
            return JSONResponse({"success": True, "data": {"_id": key}}, 201)
        return JSONResponse({"success": True, "data": [{"_id": b} for b in self.all_boards]})

    async def drop_board(self, request: Request) -> Response:
        board = request.path_params["board"]
        if not self._allowed(request) or board not in self.boards_made:
            return JSONResponse({"success": False, "message": "Board not found"}, 404)
        self.boards_made.remove(board)
        self.cards = {k: c for k, c in self.cards.items() if c["boardId"] != board}
        return JSONResponse({"success": True, "data": {}})

    async def board_cards(self, request: Request) -> Response:
        board = request.path_params["board"]
        if not self._allowed(request):
            return JSONResponse({"success": False, "message": "Not authorized"}, 401)
        if board not in self.all_boards:
            return JSONResponse({"success": False, "message": "Board not found"}, 404)
        if request.method == "POST":
            body = await request.json()
            if not isinstance(body, dict) or not isinstance(body.get("title"), str):
                return JSONResponse({"success": False, "message": "title is required"}, 400)
            return JSONResponse({"success": True, "data": self._card(board, body["title"])}, 201)
        limit = int(request.query_params.get("limit") or 25)  # the flaw: no cap
        rows = [c for c in self.cards.values() if c["boardId"] == board][:limit]
        return JSONResponse({"success": True, "count": len(rows), "data": rows})

    async def delete(self, request: Request) -> Response:
        if not self._allowed(request):
            return JSONResponse({"success": False, "message": "Not authorized"}, 401)
        if self.cards.pop(request.path_params["card"], None) is None:
            return JSONResponse({"success": False, "message": "Card not found"}, 404)
        return JSONResponse({"success": True, "data": {}})


def test_the_page_is_filled_under_the_board_it_lists(tmp_path: Path) -> None:
    """The check makes cards on the board it reads, finds the big page served, deletes them."""
    boards = Boards()
    with serving(boards.app()) as url:
        done, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "resource_limits"
        )
    assert done.returncode < 2, done.stdout + done.stderr
    found = [f["operation"] for f in report["findings"] if f["check"] == "resource_limits"]
    assert "GET /boards/{boardId}/cards" in found, report["skipped"]
    assert len(boards.cards) == 4, "the cards made to fill the page were not deleted"
    assert boards.boards_made == []
