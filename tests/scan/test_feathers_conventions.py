"""A team chat written the Feathers way, in Starlette: what the Feathers trial found wrong.

Feathers logs in at ``POST /authentication`` (``{"strategy": "local", "email",
"password"}`` answers ``{"accessToken", "user"}``), signs people up at ``POST /users``
(its generated schema leaves ``password`` optional), pages with ``$limit``/``$skip`` into
``{"total", "limit", "skip", "data"}``, and answers errors as ``{"name", "message",
"code", "className"}``. The scan used to:

* send the sign-up without a password, then log that account in with alice's password;
* take the account a sign-up made while alice's session rode along for alice's, so that
  bob reading its public profile was a high BOLA;
* take bob's own user id, from his login, for a channel id (every ``/{collection}/{id}``
  takes an ``id``), and alice reading channel 2 for reading bob's channel;
* call alice's own private channel (shared with bob), which no listing shows her,
  counted up to by id, another's (its ``ownerId`` is hers);
* withhold ``POST /link-previews`` (201, nothing to read back) as a creation nothing can
  delete, so its SSRF went untested;
* send feathers-swagger's exploded ``filter`` object as ``?filter=…``, and miss ``$limit``
  as a page size;
* take a ``{"total", "limit", "skip", "data"}`` page for one object, so that no listing
  was ever a caller's own: bob filtering the public channels by alice's ``?ownerId=`` was
  a BOLA, and an empty page of bob's an object alice could read.
"""

from __future__ import annotations

import copy
import json
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

PASSWORDS = {"alice@huddle.test": "Alice#Huddle2024", "bob@huddle.test": "Bob#Huddle2024"}
IDENTITIES = "identities:\n" + "".join(
    f"  - name: {mail.split('@')[0]}\n    role: user\n    login:\n"
    f"      operation: POST /authentication\n"
    f"      json: {{strategy: local, email: {mail}, password: '{word}'}}\n"
    f"      token: accessToken\n"
    for mail, word in PASSWORDS.items()
)
SEED: dict[str, Any] = {
    "users": {
        1: {
            "email": "alice@huddle.test",
            "displayName": "Alice",
            "password": PASSWORDS["alice@huddle.test"],
        },
        2: {
            "email": "bob@huddle.test",
            "displayName": "Bob",
            "password": PASSWORDS["bob@huddle.test"],
        },
    },
    "channels": {
        1: {"name": "general", "ownerId": 1, "isPrivate": False},
        2: {"name": "alice-hr", "ownerId": 1, "isPrivate": True, "members": [2]},
        3: {"name": "bob-notes", "ownerId": 2, "isPrivate": True},
    },
    "messages": {
        i: {"channelId": 1, "userId": 1 + i % 2, "text": f"hello #{i}"} for i in range(1, 121)
    },
}
MAX_PAGE = 50


def _schema(properties: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required)}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _op(status: str, schema: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    answer: dict[str, Any] = {"description": "ok"}
    if schema is not None:
        answer["content"] = _json(schema)
    return {"responses": {status: answer, "401": {"description": "NotAuthenticated"}}, **extra}


USER = _schema({"id": {"type": "integer"}, "displayName": {"type": "string"}})
CHANNEL = _schema(
    {
        "id": {"type": "integer", "readOnly": True},
        "name": {"type": "string"},
        "ownerId": {"type": "integer", "readOnly": True},
    }
)
ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}]
PAGE = [  # feathers-swagger's one exploded object for a service's query
    {
        "name": "filter",
        "in": "query",
        "style": "form",
        "explode": True,
        "schema": _schema(
            {
                "$limit": {"type": "integer", "minimum": 0},
                "$skip": {"type": "integer", "minimum": 0},
            }
        ),
    }
]
OWNED = [{"name": "filter", "in": "query", "schema": _schema({"ownerId": {"type": "integer"}})}]
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "huddle", "version": "1.0.0"},
    "components": {"securitySchemes": {"BearerAuth": {"type": "http", "scheme": "bearer"}}},
    "security": [{"BearerAuth": []}],
    "paths": {
        "/authentication": {
            "post": _op(
                "201",
                _schema({"accessToken": {"type": "string"}}),
                security=[],
                requestBody={
                    "content": _json(
                        _schema(
                            {
                                "strategy": {"type": "string"},
                                "email": {"type": "string"},
                                "password": {"type": "string"},
                            },
                            ("strategy", "email"),
                        )
                    )
                },
            )
        },
        "/users": {
            "post": _op(
                "201",
                USER,
                security=[],
                requestBody={
                    "content": _json(
                        _schema(
                            {
                                "email": {"type": "string", "format": "email"},
                                "password": {"type": "string"},
                                "displayName": {"type": "string"},
                            },
                            ("email", "displayName"),
                        )
                    )
                },
            )
        },
        "/users/{id}": {"parameters": ID, "get": _op("200", USER), "delete": _op("200", USER)},
        "/channels": {
            "get": _op("200", {"type": "object"}, parameters=OWNED),
            "post": _op("201", CHANNEL, requestBody={"content": _json(CHANNEL)}),
        },
        "/channels/{id}": {
            "parameters": ID,
            "get": _op("200", CHANNEL),
            "delete": _op("200", CHANNEL),
        },
        "/messages": {"get": _op("200", {"type": "object"}, parameters=PAGE)},
        "/link-previews": {
            "post": _op(
                "201",
                _schema({"url": {"type": "string"}, "title": {"type": "string"}}),
                requestBody={
                    "content": _json(
                        _schema({"url": {"type": "string", "format": "uri"}}, ("url",))
                    )
                },
            )
        },
    },
}


def _error(code: int, name: str, message: str) -> JSONResponse:
    class_name = "".join("-" + c.lower() if c.isupper() else c for c in name).lstrip("-")
    body = {"name": name, "message": message, "code": code, "className": class_name}
    return JSONResponse(body, code)


def app_of(rows: dict[str, Any], logins: list[tuple[str, str]], *, flawed: bool) -> Starlette:
    """The chat over ``rows``; ``logins`` records every (email, password) tried."""
    users, channels, messages = rows["users"], rows["channels"], rows["messages"]
    tokens: dict[str, int] = {}

    def caller(request: Request) -> int | None:
        return tokens.get(request.headers.get("authorization", "").removeprefix("Bearer "))

    async def contract(request: Request) -> Response:
        return JSONResponse(CONTRACT)

    async def authentication(request: Request) -> Response:
        data = await request.json()
        logins.append((str(data.get("email")), str(data.get("password"))))
        found = [i for i, u in users.items() if u["email"] == data.get("email")]
        if not found or users[found[0]].get("password") != data.get("password"):
            return _error(401, "NotAuthenticated", "Invalid login")
        token = f"jwt-{len(tokens) + 1}-{found[0]}"
        tokens[token] = found[0]
        return JSONResponse(
            {"accessToken": token, "user": {"id": found[0], **_public(users[found[0]])}}, 201
        )

    async def create_user(request: Request) -> Response:
        data = await request.json()
        if not isinstance(data.get("email"), str) or any(
            u["email"] == data["email"] for u in users.values()
        ):
            return _error(409, "Conflict", "email taken")
        new = max(users) + 1
        users[new] = {k: data[k] for k in ("email", "displayName", "password") if k in data}
        return JSONResponse({"id": new, **_public(users[new])}, 201)

    async def user(request: Request) -> Response:
        who, key = caller(request), request.path_params["id"]
        if who is None:
            return _error(401, "NotAuthenticated", "Not authenticated")
        if key not in users:
            return _error(404, "NotFound", f"No record found for id '{key}'")
        if request.method == "DELETE":
            if key != who:
                return _error(403, "Forbidden", "You may only remove yourself")
            return JSONResponse({"id": key, **_public(users.pop(key))})
        return JSONResponse({"id": key, **_public(users[key])})

    async def channel_list(request: Request) -> Response:
        who = caller(request)
        if who is None:
            return _error(401, "NotAuthenticated", "Not authenticated")
        if request.method == "POST":
            data = await request.json()
            new = max(channels) + 1
            channels[new] = {"name": str(data.get("name", "")), "ownerId": who, "isPrivate": True}
            return JSONResponse({"id": new, **channels[new]}, 201)
        owner = request.query_params.get("ownerId")
        public = [
            {"id": k, **c}
            for k, c in channels.items()
            if not c["isPrivate"] and owner in {None, str(c["ownerId"])}
        ]
        return JSONResponse({"total": len(public), "limit": 10, "skip": 0, "data": public[:10]})

    async def channel(request: Request) -> Response:
        who, key = caller(request), request.path_params["id"]
        if who is None:
            return _error(401, "NotAuthenticated", "Not authenticated")
        found = channels.get(key)
        if found is None:
            return _error(404, "NotFound", f"No record found for id '{key}'")
        if found["isPrivate"] and who not in {found["ownerId"], *found.get("members", ())}:
            return _error(403, "Forbidden", "Not a member")
        if request.method == "DELETE":
            return JSONResponse({"id": key, **channels.pop(key)})
        return JSONResponse({"id": key, **found})

    async def message_list(request: Request) -> Response:
        if caller(request) is None:
            return _error(401, "NotAuthenticated", "Not authenticated")
        limit = int(request.query_params.get("$limit", "10"))
        skip = int(request.query_params.get("$skip", "0"))
        if not flawed:
            limit = min(limit, MAX_PAGE)
        rows_ = [{"id": k, **m} for k, m in sorted(messages.items())]
        return JSONResponse(
            {"total": len(rows_), "limit": limit, "skip": skip, "data": rows_[skip : skip + limit]}
        )

    async def preview(request: Request) -> Response:
        if caller(request) is None:
            return _error(401, "NotAuthenticated", "Not authenticated")
        url = str((await request.json()).get("url", ""))
        if not flawed or not url.startswith("http://127.0.0.1"):
            return JSONResponse({"url": url, "title": ""}, 201)
        try:
            with urllib.request.urlopen(url, timeout=3) as page:
                title = page.read(200).decode("latin-1")
        except OSError as error:
            return _error(400, "BadRequest", f"could not fetch: {error}")
        return JSONResponse({"url": url, "title": title}, 201)

    return Starlette(
        routes=[
            Route("/openapi.json", contract),
            Route("/authentication", authentication, methods=["POST"]),
            Route("/users", create_user, methods=["POST"]),
            Route("/users/{id:int}", user, methods=["GET", "DELETE"]),
            Route("/channels", channel_list, methods=["GET", "POST"]),
            Route("/channels/{id:int}", channel, methods=["GET", "DELETE"]),
            Route("/messages", message_list),
            Route("/link-previews", preview, methods=["POST"]),
        ]
    )


def _public(user: dict[str, Any]) -> dict[str, Any]:
    return {"displayName": user.get("displayName", "")}


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_a_feathers_chat_is_probed_as_feathers_apps_are_written(
    tmp_path: Path, flawed: bool
) -> None:
    """SSRF and $limit found (flawed only); no BOLA on sign-ups, none on one's own channel."""
    rows, logins = copy.deepcopy(SEED), []
    checks = "ssrf,resource_limits,bola,id_enumeration,mass_assignment"
    with serving(app_of(rows, logins, flawed=flawed)) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", checks)
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    serious = [f for f in report["findings"] if f["severity"] in {"medium", "high", "critical"}]
    # Peers reading each other's profile is medium by design (nothing says it is public);
    # an account a sign-up made is nobody's to read it "as the owner".
    profiles = [f for f in serious if f["operation"] == "GET /users/{id}"]
    assert {f["severity"] for f in profiles} <= {"medium"}, profiles
    assert not [f for f in profiles if "POST /users" in f["detail"]], profiles
    found = {(f["check"], f["operation"]) for f in serious if f not in profiles}
    expected = {("ssrf", "POST /link-previews")}
    assert found == (expected if flawed else set()), json.dumps(report["findings"], indent=1)[:4000]
    pages = {f["key"] for f in report["findings"] if f["check"] == "resource_limits"}
    assert ("query:$limit" in pages) == flawed, pages
    borrowed = [
        (mail, word)
        for mail, word in logins
        if mail not in PASSWORDS and word in PASSWORDS.values()
    ]
    assert borrowed == []
    assert rows["channels"] == SEED["channels"]
    assert set(rows["users"]) == set(SEED["users"])
