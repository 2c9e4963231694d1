"""BOLA on an API written by someone else: names as ids, versions in paths, envelopes, 200 creations.

The app is written the way many small APIs are (VAmPI-like): ``/users/v1/login`` gives
a token under ``auth_token``; ``GET /books/v1`` lists every book's title to anyone;
``POST /books/v1`` answers 200 ``{"message": ..., "status": "success"}`` without the
book; ``GET /books/v1/{book_title}`` wraps the book in ``{"status": "ok", "data": ...}``.
``GET /users/v1`` lists every username to anyone, and the login answers the user's own.
The vulnerable twin gives any logged-in user anyone's book and profile.
"""

from __future__ import annotations

import json
import secrets
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

Cli = Callable[..., subprocess.CompletedProcess[str]]

_PASSWORDS = {"name1": "pass1", "name2": "pass2", "admin": "pass3"}


def _contract() -> dict[str, Any]:
    def param(name: str) -> list[dict[str, Any]]:
        return [{"name": name, "in": "path", "required": True, "schema": {"type": "string"}}]

    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {}}}}}
    body = {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["book_title", "secret"],
                    "properties": {"book_title": {"type": "string"}, "secret": {"type": "string"}},
                }
            }
        },
    }
    login = {
        "required": True,
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
    bearer = [{"bearerAuth": []}]
    return {
        "openapi": "3.0.1",
        "info": {"title": "books", "version": "0.1"},
        "paths": {
            "/users/v1": {"get": {"responses": ok}},
            "/users/v1/login": {"post": {"requestBody": login, "responses": ok}},
            "/users/v1/{username}": {
                "get": {"parameters": param("username"), "responses": ok, "security": bearer}
            },
            "/books/v1": {
                "get": {"responses": ok},
                "post": {"requestBody": body, "responses": ok, "security": bearer},
            },
            "/books/v1/{book_title}": {
                "get": {"parameters": param("book_title"), "responses": ok, "security": bearer}
            },
        },
        "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
    }


def books_app(*, vulnerable: bool) -> Starlette:
    """The books API; ``vulnerable`` lets any user read any book's secret by title."""
    tokens: dict[str, str] = {}
    books = {"Seed": {"title": "Seed", "secret": "seed-secret", "user": "admin"}}

    def caller(request: Request) -> str | None:
        return tokens.get(request.headers.get("authorization", "").removeprefix("Bearer "))

    async def login(request: Request) -> Response:
        data = await request.json()
        if _PASSWORDS.get(data.get("username")) != data.get("password"):
            return JSONResponse({"status": "fail", "message": "Password is not correct."}, 200)
        token = secrets.token_hex(8)
        tokens[token] = data["username"]
        user = {"username": data["username"]}
        return JSONResponse({"auth_token": token, "message": "Logged in.", "user": user})

    async def users(request: Request) -> Response:
        return JSONResponse({"users": [{"username": u} for u in _PASSWORDS]})

    async def user(request: Request) -> Response:
        name = request.path_params["username"]
        who = caller(request)
        if who is None:
            return JSONResponse({"status": "fail", "message": "Invalid token."}, 401)
        if name not in _PASSWORDS or (not vulnerable and who != name):
            return JSONResponse({"status": "fail", "message": "User not found"}, 404)
        return JSONResponse({"status": "ok", "data": {"username": name, "email": f"{name}@x"}})

    async def book_list(request: Request) -> Response:
        return JSONResponse(
            {"Books": [{"title": b["title"], "user": b["user"]} for b in books.values()]}
        )

    async def add_book(request: Request) -> Response:
        who = caller(request)
        if who is None:
            return JSONResponse({"status": "fail", "message": "Invalid token."}, 401)
        data = await request.json()
        title = str(data.get("book_title", ""))
        if not title or title in books:
            return JSONResponse({"status": "fail", "message": "Book already exists."}, 400)
        books[title] = {"title": title, "secret": str(data.get("secret")), "user": who}
        return JSONResponse({"message": "Book has been added.", "status": "success"})

    async def book(request: Request) -> Response:
        who = caller(request)
        found = books.get(request.path_params["book_title"])
        if who is None:
            return JSONResponse({"status": "fail", "message": "Invalid token."}, 401)
        if found is None or (not vulnerable and found["user"] != who):
            return JSONResponse({"status": "fail", "message": "Book not found!"}, 404)
        return JSONResponse({"status": "ok", "data": {"book_title": found["title"], **found}})

    async def contract(request: Request) -> Response:
        return JSONResponse(_contract())

    return Starlette(
        routes=[
            Route("/openapi.json", contract),
            Route("/users/v1", users),
            Route("/users/v1/login", login, methods=["POST"]),
            Route("/users/v1/{username}", user),
            Route("/books/v1", book_list),
            Route("/books/v1", add_book, methods=["POST"]),
            Route("/books/v1/{book_title}", book),
        ]
    )


IDENTITIES = """
identities:
  - name: name1
    role: user
    login:
      operation: POST /users/v1/login
      json: {username: name1, password: pass1}
      token: auth_token
      header: Authorization
      prefix: "Bearer "
  - name: name2
    role: user
    login:
      operation: POST /users/v1/login
      json: {username: name2, password: pass2}
      token: auth_token
      header: Authorization
      prefix: "Bearer "
"""


def _bola(apiward: Cli, url: str, tmp_path: Path) -> list[dict[str, Any]]:
    """bola's findings, --aggressive: as in VAmPI nothing deletes a book, so a default scan
    creates none (and has no book of a peer's to read)."""
    ids = tmp_path / "identities.yaml"
    ids.write_text(IDENTITIES)
    out = tmp_path / "out.json"
    result = apiward(
        "scan", "--spec", f"{url}/openapi.json", "--allow-private", "--target", url,
        "--identities", str(ids), "--checks", "bola", "--json", str(out), "--aggressive",
    )  # fmt: skip
    assert result.returncode in (0, 1), result.stderr
    report = json.loads(out.read_text())
    assert report["complete"] is True
    return [f for f in report["findings"] if f["check"] == "bola"]


def test_peers_read_each_others_books_and_profiles_by_name(
    apiward: Cli, serve: Callable[[Any], Any], tmp_path: Path
) -> None:
    """A book learnt from the listing after its 200 creation, and a username the login
    answered (though everyone lists every username), are each read by the other peer."""
    findings = _bola(apiward, serve(books_app(vulnerable=True)).url, tmp_path)
    assert sorted(f["operation"] for f in findings) == [
        "GET /books/v1/{book_title}",
        "GET /users/v1/{username}",
    ]


def test_the_secure_twin_reports_no_bola(
    apiward: Cli, serve: Callable[[Any], Any], tmp_path: Path
) -> None:
    """Books readable by their owner only: no finding."""
    assert _bola(apiward, serve(books_app(vulnerable=False)).url, tmp_path) == []
