"""A sign-up that names the club to join: the scan sends an existing club, never a fresh one.

The Express trial's sign-up took ``clubSlug`` (example ``ironworks``) beside the user name
and password, and answered 404 "Club not found" for any other. The scan made every field
whose name says unique (a slug) fresh, so each sign-up it sent failed: it made no peers for
the one identity it was given, and its sign-up probes found no mass assignment. It went
on failing when the user said ``--value clubSlug=ironworks``: the probes made that fresh too.

The app below is written the same way, in Flask with a hand-written contract: a field that
names *another* resource's slug (``clubSlug`` beside ``/clubs/{clubSlug}``) picks an object
and takes the contract's example, or the user's value; the sign-up's own names stay fresh.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request
from tests.conftest import scan_with_identities

from apiward.scan.fitting import names_other

IDENTITIES = """\
identities:
  - name: alice
    role: member
    login:
      operation: POST /auth/login
      json: {username: alice, password: alice-pass-1}
      token: token
"""


def _spec(example: str) -> dict[str, Any]:
    def answer(schema: dict[str, Any]) -> dict[str, Any]:
        return {"description": "OK", "content": {"application/json": {"schema": schema}}}

    def body(schema: dict[str, Any]) -> dict[str, Any]:
        return {"required": True, "content": {"application/json": {"schema": schema}}}

    workout = {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "notes": {"type": "string"},
        },
    }
    register = {
        "type": "object",
        "required": ["username", "password", "clubSlug"],
        "properties": {
            "username": {"type": "string", "minLength": 3},
            "password": {"type": "string", "minLength": 8},
            "clubSlug": {"type": "string", "example": example},
            "displayName": {"type": "string"},
        },
    }
    user = {
        "type": "object",
        "properties": {
            "username": {"type": "string"},
            "role": {"type": "string", "enum": ["member", "coach", "admin"]},
        },
    }
    session = {"type": "object", "properties": {"token": {"type": "string"}, "user": user}}
    slug = [{"name": "clubSlug", "in": "path", "required": True, "schema": {"type": "string"}}]
    workout_id = [
        {"name": "workoutId", "in": "path", "required": True, "schema": {"type": "integer"}}
    ]
    return {
        "openapi": "3.0.3",
        "info": {"title": "Ironclub API", "version": "1.4.0"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/auth/register": {
                "post": {
                    "security": [],
                    "summary": "Create an account in a club",
                    "requestBody": body(register),
                    "responses": {"201": answer({"type": "object"})},
                }
            },
            "/auth/login": {
                "post": {
                    "security": [],
                    "requestBody": body(
                        {
                            "type": "object",
                            "properties": {
                                "username": {"type": "string"},
                                "password": {"type": "string"},
                            },
                        }
                    ),
                    "responses": {"200": answer(session)},
                }
            },
            "/me": {
                "get": {"responses": {"200": answer(user)}},
                "delete": {"responses": {"204": {"description": "Account closed"}}},
            },
            "/clubs/{clubSlug}": {
                "get": {
                    "security": [],
                    "parameters": slug,
                    "responses": {"200": answer({"type": "object"})},
                }
            },
            "/workouts": {
                "post": {
                    "requestBody": body(workout),
                    "responses": {"201": answer(workout)},
                }
            },
            "/workouts/{workoutId}": {
                "get": {"parameters": workout_id, "responses": {"200": answer(workout)}},
                "delete": {"parameters": workout_id, "responses": {"204": {"description": "gone"}}},
            },
        },
    }


def club_app(example: str) -> tuple[Flask, dict[str, dict[str, Any]]]:
    """The club API: any signed-in member reads any workout (BOLA); a sign-up keeps a sent
    ``role`` (mass assignment). Its users, by name, for the test to look at."""
    app = Flask("ironclub")
    clubs = {"ironworks": "Ironworks Gym"}
    users: dict[str, dict[str, Any]] = {
        "alice": {"password": "alice-pass-1", "club": "ironworks", "role": "member"}
    }
    tokens: dict[str, str] = {}
    workouts: dict[int, dict[str, Any]] = {}
    ids = itertools.count(1)

    def me() -> str | None:
        return tokens.get(request.headers.get("Authorization", "").removeprefix("Bearer "))

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(_spec(example))

    @app.post("/auth/register")
    def register() -> Any:
        sent = request.get_json(silent=True) or {}
        if sent.get("clubSlug") not in clubs:
            return jsonify(error="Club not found"), 404
        name = str(sent.get("username", ""))
        if len(name) < 3 or len(str(sent.get("password", ""))) < 8:
            return jsonify(error="username and password are required"), 400
        if name in users:
            return jsonify(error="Username taken"), 409
        users[name] = {
            "password": sent["password"],
            "club": sent["clubSlug"],
            "role": sent.get("role", "member"),  # the flaw: the client picks its role
        }
        return jsonify(username=name, clubSlug=sent["clubSlug"], role=users[name]["role"]), 201

    @app.post("/auth/login")
    def login() -> Any:
        sent = request.get_json(silent=True) or {}
        user = users.get(str(sent.get("username")))
        if user is None or user["password"] != sent.get("password"):
            return jsonify(error="Invalid credentials"), 401
        token = secrets.token_hex(16)
        tokens[token] = str(sent["username"])
        return jsonify(token=token, user={"username": sent["username"], "role": user["role"]})

    @app.get("/me")
    def whoami() -> Any:
        name = me()
        if name is None:
            return jsonify(error="Unauthorized"), 401
        return jsonify(username=name, role=users[name]["role"])

    @app.delete("/me")
    def close() -> Any:
        name = me()
        if name is None:
            return jsonify(error="Unauthorized"), 401
        del users[name]
        return "", 204

    @app.get("/clubs/<slug>")
    def club(slug: str) -> Any:
        if slug not in clubs:
            return jsonify(error="Club not found"), 404
        return jsonify(slug=slug, name=clubs[slug])

    @app.post("/workouts")
    def create() -> Any:
        if me() is None:
            return jsonify(error="Unauthorized"), 401
        sent = request.get_json(silent=True) or {}
        workout = {"id": next(ids), "title": str(sent.get("title", "")), "owner": me()}
        workout["notes"] = str(sent.get("notes", ""))
        workouts[workout["id"]] = workout
        return jsonify({k: v for k, v in workout.items() if k != "owner"}), 201

    @app.get("/workouts/<int:workout_id>")
    def read(workout_id: int) -> Any:
        if me() is None:
            return jsonify(error="Unauthorized"), 401
        found = workouts.get(workout_id)  # the flaw: no owner check
        if found is None:
            return jsonify(error="Workout not found"), 404
        return jsonify({k: v for k, v in found.items() if k != "owner"})

    @app.delete("/workouts/<int:workout_id>")
    def delete(workout_id: int) -> Any:
        found = workouts.get(workout_id)
        if found is None or found["owner"] != me():
            return jsonify(error="Workout not found"), 404
        del workouts[workout_id]
        return "", 204

    return app, users


def _findings(report: dict[str, Any], check: str, operation: str) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["check"] == check and f["operation"] == operation]


def test_a_sign_up_joins_the_contracts_example_club_and_makes_the_peers_that_find_the_bola(
    serve: Callable[..., Any], tmp_path: Path
) -> None:
    """One identity given: the two made users join ``ironworks``, and find the open workouts."""
    app, users = club_app("ironworks")
    result, report = scan_with_identities(serve(app, wsgi=True).url, IDENTITIES, tmp_path)
    assert result.returncode < 2, result.stderr
    assert list(users) == ["alice"], "every account the scan made is closed"
    assert any("signed up 2 identities" in n for n in report["notes"]), report["notes"]
    assert _findings(report, "bola", "GET /workouts/{workoutId}")
    assert _findings(report, "mass_assignment", "POST /auth/register")


def test_the_users_value_names_the_club_when_the_example_does_not(
    serve: Callable[..., Any], tmp_path: Path
) -> None:
    """The example names no club; ``--value clubSlug=ironworks`` reaches every sign-up."""
    app, _ = club_app("my-club")
    url = serve(app, wsgi=True).url
    result, report = scan_with_identities(
        url, IDENTITIES, tmp_path, "--value", "clubSlug=ironworks"
    )
    assert result.returncode < 2, result.stderr
    assert _findings(report, "mass_assignment", "POST /auth/register")
    assert _findings(report, "bola", "GET /workouts/{workoutId}")


def test_a_field_names_another_object_when_its_first_word_is_another_noun_of_the_api() -> None:
    """``clubSlug`` picks a club; a club's own ``slug``, or an unknown noun's, stays unique."""
    nouns = frozenset({"club", "workout", "product"})
    assert names_other("clubSlug", nouns, own="signup")
    assert names_other("product_sku", nouns, own="line")
    assert not names_other("clubSlug", nouns, own="club")
    assert not names_other("slug", nouns, own="signup")
    assert not names_other("displayName", nouns, own="signup")
    assert not names_other("custom_slug", nouns, own="signup")
