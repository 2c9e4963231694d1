"""A small team-board API written the Flask way, to check that a scan leaves it as it found it.

What a real staging system holds and other people rely on:

* users who log in (``POST /login``, a token in ``token``); the update ``PUT /users/<id>``
  copies ``role`` although its schema does not offer it, and a role the app does not
  know makes that user's login crash (500) — and the update's own answer too, after
  the write: the mass-assignment trap;
* profiles named by handle, wrapped in ``{"data": ...}``, writable by their owner;
* a public board anyone may post to (201, ``Location``, ``{"result": ...}``); an author
  may delete their own posts, anonymous posts cannot be deleted by anyone;
* a public sign-up, a cache reset for admins, and a write-only setting (no GET reads it);
* counters of what must not happen: seeded things deleted, writes to carol's things, and
  destructive calls at all (a reset, a DELETE naming a seeded post), refused or not.

Seeded state is in :data:`SEED`; :func:`violations` lists every way the app differs from it.
"""

from __future__ import annotations

import copy
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, abort, jsonify, request

from serving import serving

KNOWN_ROLES = {"member": ["read", "post"], "admin": ["read", "post", "moderate"]}
SEED: dict[str, Any] = {
    "users": {
        1: {
            "id": 1,
            "email": "alice@team.test",
            "name": "Alice",
            "role": "member",
            "password": "alice-pw-1",
        },
        2: {
            "id": 2,
            "email": "bob@team.test",
            "name": "Bob",
            "role": "member",
            "password": "bob-pw-2",
        },
        3: {
            "id": 3,
            "email": "carol@team.test",
            "name": "Carol",
            "role": "admin",
            "password": "carol-pw-3",
        },
    },
    "profiles": {
        "alice": {
            "handle": "alice",
            "owner": 1,
            "bio": "Runs the lunch rota.",
            "website": "https://alice.test",
        },
        "bob": {
            "handle": "bob",
            "owner": 2,
            "bio": "Keeps the coffee going.",
            "website": "https://bob.test",
        },
        "carol": {
            "handle": "carol",
            "owner": 3,
            "bio": "Admin of this board.",
            "website": "https://carol.test",
        },
    },
    "posts": {
        1: {"id": 1, "author": 3, "title": "Welcome", "body": "Be nice."},
        2: {"id": 2, "author": 1, "title": "Lunch", "body": "Pizza on Friday."},
    },
}
USER = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "email": {"type": "string", "readOnly": True},
        "name": {"type": "string"},
        "role": {"type": "string", "readOnly": True},
    },
}
PROFILE = {
    "type": "object",
    "properties": {
        "handle": {"type": "string", "readOnly": True},
        "bio": {"type": "string", "maxLength": 200},
        "website": {"type": "string"},
    },
}
POST = {
    "type": "object",
    "required": ["title", "body"],
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "title": {"type": "string", "maxLength": 80},
        "body": {"type": "string", "maxLength": 2000},
    },
}
SIGNUP = {
    "type": "object",
    "required": ["email", "password", "name"],
    "properties": {
        "email": {"type": "string", "format": "email"},
        "password": {"type": "string", "minLength": 8},
        "name": {"type": "string"},
    },
}


def _json(schema: dict[str, Any], description: str = "ok") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _path(name: str, kind: str = "integer") -> list[dict[str, Any]]:
    return [{"name": name, "in": "path", "required": True, "schema": {"type": kind}}]


BEARER = [{"bearer": []}]
ME = {"type": "object", "properties": {**USER["properties"], "handle": {"type": "string"}}}
NOTIFY = {
    "type": "object",
    "properties": {"digest": {"type": "string", "enum": ["daily", "weekly", "never"]}},
}
LOGIN = {
    "type": "object",
    "required": ["email", "password"],
    "properties": {"email": {"type": "string"}, "password": {"type": "string"}},
}
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "team board", "version": "2.1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/login": {
            "post": {
                "security": [],
                "requestBody": _body(LOGIN),
                "responses": {
                    "200": _json({"type": "object", "properties": {"token": {"type": "string"}}}),
                    "401": {"description": "no"},
                },
            }
        },
        "/signup": {
            "post": {
                "security": [],
                "requestBody": _body(SIGNUP),
                "responses": {"201": _json(USER, "created"), "409": {"description": "taken"}},
            }
        },
        "/users/{user_id}": {
            "parameters": _path("user_id"),
            "get": {
                "security": BEARER,
                "responses": {
                    "200": _json(USER),
                    "403": {"description": "no"},
                    "404": {"description": "no"},
                },
            },
            "put": {
                "security": BEARER,
                "requestBody": _body(
                    {"type": "object", "properties": {"name": {"type": "string"}}}
                ),
                "responses": {"200": _json(USER), "403": {"description": "no"}},
            },
        },
        "/profiles/{handle}": {
            "parameters": _path("handle", "string"),
            "get": {
                "security": BEARER,
                "responses": {
                    "200": _json({"type": "object", "properties": {"data": PROFILE}}),
                    "404": {"description": "no"},
                },
            },
            "patch": {
                "security": BEARER,
                "requestBody": _body(PROFILE),
                "responses": {
                    "200": _json({"type": "object", "properties": {"data": PROFILE}}),
                    "403": {"description": "no"},
                },
            },
        },
        "/board/posts": {
            "get": {
                "security": [],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {"items": {"type": "array", "items": POST}},
                        }
                    )
                },
            },
            "post": {
                "security": [{}, {"bearer": []}],
                "requestBody": _body(POST),
                "responses": {
                    "201": _json({"type": "object", "properties": {"result": POST}}, "created")
                },
            },
        },
        "/board/posts/{post_id}": {
            "parameters": _path("post_id"),
            "get": {
                "security": [],
                "responses": {"200": _json(POST), "404": {"description": "no"}},
            },
            "delete": {
                "security": BEARER,
                "responses": {"204": {"description": "gone"}, "403": {"description": "no"}},
            },
        },
        "/me": {"get": {"security": BEARER, "responses": {"200": _json(ME)}}},
        "/me/notifications": {
            "put": {
                "security": BEARER,
                "requestBody": _body(NOTIFY),
                "responses": {"204": {"description": "saved"}},
            }
        },
        "/admin/cache/reset": {
            "post": {
                "security": BEARER,
                "responses": {"204": {"description": "done"}, "403": {"description": "no"}},
            }
        },
    },
}


class Board:
    """The app's state, the counters of what must not happen, and the Flask app."""

    def __init__(self, *, shows_role: bool = True, slow: float = 0.0) -> None:
        self.shows_role = shows_role
        self.slow = slow
        self.users: dict[int, dict[str, Any]] = copy.deepcopy(SEED["users"])
        self.profiles: dict[str, dict[str, Any]] = copy.deepcopy(SEED["profiles"])
        self.posts: dict[int, dict[str, Any]] = copy.deepcopy(SEED["posts"])
        self.tokens: dict[str, int] = {}
        self.digests: dict[int, Any] = {1: "weekly", 2: "weekly", 3: "daily"}
        self.resets = 0
        self.seeded_delete_calls = 0
        self.seeded_deleted: list[str] = []
        self.carol_written: list[str] = []
        self.lock = threading.Lock()
        self.app = self._routes()

    def caller(self) -> dict[str, Any] | None:
        header = request.headers.get("Authorization", "")
        user_id = self.tokens.get(header.removeprefix("Bearer "))
        return self.users.get(user_id) if user_id is not None else None

    def me(self) -> dict[str, Any]:
        user = self.caller()
        if user is None:
            abort(401)
        return user

    def _routes(self) -> Flask:
        app = Flask("team-board")

        @app.get("/openapi.json")
        def contract() -> Any:
            return jsonify(CONTRACT)

        @app.post("/login")
        def login() -> Any:
            body = request.get_json(silent=True) or {}
            user = next((u for u in self.users.values() if u["email"] == body.get("email")), None)
            if user is None or user["password"] != body.get("password"):
                return jsonify(error="bad credentials"), 401
            permissions = KNOWN_ROLES[user["role"]]  # an unknown role crashes here: a 500
            token = secrets.token_hex(8)
            self.tokens[token] = user["id"]
            return jsonify(token=token, permissions=permissions)

        @app.post("/signup")
        def signup() -> Any:
            body = request.get_json(silent=True) or {}
            if not all(
                isinstance(body.get(k), str) and body[k] for k in ("email", "password", "name")
            ):
                return jsonify(error="email, password and name are required"), 422
            if any(u["email"] == body["email"] for u in self.users.values()):
                return jsonify(error="taken"), 409
            with self.lock:
                new = {
                    "id": max(self.users) + 1,
                    "email": body["email"],
                    "name": body["name"],
                    "role": "member",
                    "password": body["password"],
                }
                self.users[new["id"]] = new
            return jsonify(self._public(new)), 201

        @app.get("/users/<int:user_id>")
        def get_user(user_id: int) -> Any:
            me = self.me()
            if user_id not in self.users:
                abort(404)
            if me["id"] != user_id and me["role"] != "admin":
                abort(403)
            return jsonify(self._public(self.users[user_id]))

        @app.put("/users/<int:user_id>")
        def put_user(user_id: int) -> Any:
            me = self.me()
            if me["id"] != user_id:
                abort(403)
            body = request.get_json(silent=True) or {}
            user = self.users[user_id]
            # The bug: role is copied too (the schema only offers name).
            user.update(
                {k: v for k, v in body.items() if k in {"name", "role"} and isinstance(v, str)}
            )
            self._written("users", user_id)
            if body.get("name") == "slow":
                time.sleep(self.slow)  # written, but the answer comes too late
            # The answer lists the permissions: an unknown role crashes it (500) after the write.
            return jsonify({**self._public(user), "permissions": KNOWN_ROLES[user["role"]]})

        @app.get("/profiles/<handle>")
        def get_profile(handle: str) -> Any:
            self.me()
            if handle not in self.profiles:
                abort(404)
            return jsonify(data=_shown(self.profiles[handle]))

        @app.patch("/profiles/<handle>")
        def patch_profile(handle: str) -> Any:
            me = self.me()
            profile = self.profiles.get(handle) or abort(404)
            if profile["owner"] != me["id"]:
                abort(403)
            body = request.get_json(silent=True) or {}
            profile.update(
                {k: v for k, v in body.items() if k in {"bio", "website"} and isinstance(v, str)}
            )
            self._written("profiles", handle)
            return jsonify(data=_shown(profile))

        @app.get("/board/posts")
        def list_posts() -> Any:
            return jsonify(items=[_shown(p) for p in self.posts.values()])

        @app.post("/board/posts")
        def create_post() -> Any:
            body = request.get_json(silent=True) or {}
            if not isinstance(body.get("title"), str) or not isinstance(body.get("body"), str):
                return jsonify(error="title and body are required"), 422
            author = self.caller()
            with self.lock:
                post = {
                    "id": max(self.posts, default=0) + 1,
                    "author": author["id"] if author else None,
                    "title": body["title"],
                    "body": body["body"],
                }
                self.posts[post["id"]] = post
            return jsonify(result=_shown(post)), 201, {"Location": f"/board/posts/{post['id']}"}

        @app.get("/board/posts/<int:post_id>")
        def get_post(post_id: int) -> Any:
            post = self.posts.get(post_id) or abort(404)
            return jsonify(_shown(post))

        @app.delete("/board/posts/<int:post_id>")
        def delete_post(post_id: int) -> Any:
            if post_id in SEED["posts"]:
                self.seeded_delete_calls += 1
            me = self.me()
            post = self.posts.get(post_id) or abort(404)
            if post["author"] is None or post["author"] != me["id"]:
                abort(403)
            del self.posts[post_id]
            if post_id in SEED["posts"]:
                self.seeded_deleted.append(f"post {post_id}")
            return "", 204

        @app.get("/me")
        def me() -> Any:
            user = self.me()
            handle = (
                next(h for h, p in self.profiles.items() if p["owner"] == user["id"])
                if user["id"] in SEED["users"]
                else None
            )
            return jsonify({**self._public(user), "handle": handle})

        @app.put("/me/notifications")
        def notifications() -> Any:
            # Write-only: nothing in the API reads this back.
            body = request.get_json(silent=True) or {}
            self.digests[self.me()["id"]] = body.get("digest")
            return "", 204

        @app.post("/admin/cache/reset")
        def reset() -> Any:
            self.resets += 1  # every call counts: a scan must not even try
            if self.me()["role"] != "admin":
                abort(403)
            return "", 204

        return app

    def _written(self, kind: str, key: object) -> None:
        owner = self.users[3] if kind == "users" and key == 3 else None
        if owner is not None or (kind == "profiles" and key == "carol"):
            self.carol_written.append(f"{kind} {key}")

    def _public(self, user: dict[str, Any]) -> dict[str, Any]:
        shown = ("id", "email", "name", "role") if self.shows_role else ("id", "email", "name")
        return {k: user[k] for k in shown}

    def violations(self) -> list[str]:
        """Every way the seeded state differs now (empty: as found)."""
        found = list(self.seeded_deleted)
        seeded = {k: v for k, v in self.digests.items() if k in SEED["users"]}
        if seeded != {1: "weekly", 2: "weekly", 3: "daily"}:  # a made user's are the scan's
            found.append(f"digests changed: {self.digests}")
        for kind in ("users", "profiles", "posts"):
            now: dict[Any, Any] = getattr(self, kind)
            for key, seeded in SEED[kind].items():
                if key not in now:
                    found.append(f"{kind} {key} deleted")
                elif now[key] != seeded:
                    changed = sorted(k for k in seeded if now[key].get(k) != seeded[k])
                    found.append(f"{kind} {key} changed: {', '.join(changed)}")
        return found

    def junk_posts(self) -> list[dict[str, Any]]:
        """Posts the scan made that are still there."""
        return [p for key, p in self.posts.items() if key not in SEED["posts"]]

    def signed_up(self) -> list[str]:
        """Emails of the accounts created after seeding."""
        return [u["email"] for key, u in self.users.items() if key not in SEED["users"]]


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in row.items() if k not in {"owner", "author"}}


@contextmanager
def running(board: Board) -> Iterator[str]:
    """Serve ``board`` with werkzeug's own server on 127.0.0.1 (ephemeral port)."""
    with serving(board.app, wsgi=True) as url:
        yield url
