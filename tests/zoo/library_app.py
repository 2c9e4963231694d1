"""A book-library API in Flask, written the way many small Flask APIs are.

Style: every answer is an envelope ``{"status": "ok"|"fail", ...}``; users and books are
addressed by name (``/users/v1/{username}``, ``/books/v1/{book_title}``); the version segment
comes before the noun; creation answers 200 with a message (no id, no Location); a failed
login answers 200 with ``"status": "fail"``; Flask's own HTML pages for 404/405/500.
Bearer JWTs (PyJWT, HS256) carry the username in ``sub``.

``create_app(secure=False)`` plants the flaws listed in ``library/ground_truth.yaml``;
``secure=True`` fixes each of them behind the same contract (``library/openapi.yaml``).
"""

from __future__ import annotations

import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

import jwt
from flask import Flask, g, jsonify, request
from flask.typing import ResponseReturnValue

LOCK_AFTER = 5
LOCK_SECONDS = 60
SEED = (
    ("admin", "admin@library.test", "Adm1n-9f3k-library", 1),
    ("alice", "alice@library.test", "alice-pass-1", 0),
    ("bob", "bob@library.test", "bob-pass-1", 0),
)
BOOKS = (
    ("bobs diary", "bob", "bob hides the spare key under the mat"),
    ("the alice notebook", "alice", "alice's locker code is 7734"),
)


class Store:
    """Users and books in an in-memory SQLite database shared by the server's threads."""

    def __init__(self) -> None:
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.lock = threading.Lock()
        self.db.executescript(
            "CREATE TABLE users (username TEXT PRIMARY KEY, email TEXT, password TEXT, admin INT);"
            "CREATE TABLE books (title TEXT PRIMARY KEY, owner TEXT, secret TEXT);"
        )
        self.db.executemany("INSERT INTO users VALUES (?, ?, ?, ?)", SEED)
        self.db.executemany("INSERT INTO books VALUES (?, ?, ?)", BOOKS)

    def rows(self, sql: str, args: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        """Run one statement; its rows."""
        with self.lock:
            rows = self.db.execute(sql, args).fetchall()
            self.db.commit()
            return rows


def fail(message: str, status: int = 200) -> ResponseReturnValue:
    """The API's failure envelope."""
    return jsonify(status="fail", message=message), status


def create_app(*, secure: bool = False) -> Flask:
    """The library API; ``secure`` fixes every planted flaw."""
    app = Flask(__name__)
    app.config["SECRET_KEY"] = secrets.token_hex(32) if secure else "secret"
    store = Store()
    failures: dict[str, list[float]] = {}

    def token_required(view: Callable[..., ResponseReturnValue]) -> Callable[..., Any]:
        @wraps(view)
        def wrapper(**kwargs: Any) -> ResponseReturnValue:
            header = request.headers.get("Authorization", "")
            try:
                claims = jwt.decode(
                    header.removeprefix("Bearer "), app.config["SECRET_KEY"], algorithms=["HS256"]
                )
            except jwt.PyJWTError:
                return fail("Invalid token. Please log in again.", 401)
            found = store.rows(
                "SELECT username, admin FROM users WHERE username = ?", (claims.get("sub"),)
            )
            if not found:
                return fail("Invalid token. Please log in again.", 401)
            g.user, g.admin = found[0][0], bool(found[0][1])
            return view(**kwargs)

        return wrapper

    def locked(username: str) -> bool:
        recent = [t for t in failures.get(username, []) if time.monotonic() - t < LOCK_SECONDS]
        failures[username] = recent
        return secure and len(recent) >= LOCK_AFTER

    @app.get("/users/v1")
    def list_users() -> ResponseReturnValue:
        rows = store.rows("SELECT username, email FROM users")
        return jsonify(status="ok", data=[{"username": u, "email": e} for u, e in rows])

    @app.get("/users/v1/<username>")
    def get_user(username: str) -> ResponseReturnValue:
        rows = store.rows("SELECT username, email FROM users WHERE username = ?", (username,))
        if not rows:
            return fail("User not found", 404)
        return jsonify(status="ok", data={"username": rows[0][0], "email": rows[0][1]})

    @app.post("/users/v1/register")
    def register() -> ResponseReturnValue:
        body = request.get_json(force=True, silent=True) or {}
        if not all(
            isinstance(body.get(k), str) and body[k] for k in ("username", "email", "password")
        ):
            return fail("username, email and password are required", 400)
        if store.rows("SELECT 1 FROM users WHERE username = ?", (body["username"],)):
            return fail("User already exists. Please Log in.")
        admin = False if secure else bool(body.get("admin", False))
        store.rows(
            "INSERT INTO users VALUES (?, ?, ?, ?)",
            (body["username"], body["email"], body["password"], int(admin)),
        )
        return jsonify(
            status="ok", message="Successfully registered. Login to receive an auth token."
        )

    @app.post("/users/v1/login")
    def login() -> ResponseReturnValue:
        body = request.get_json(force=True, silent=True) or {}
        username, password = str(body.get("username", "")), str(body.get("password", ""))
        if locked(username):
            message = "Too many failed logins, try again later."
            return jsonify(status="fail", message=message), 429, {"Retry-After": str(LOCK_SECONDS)}
        rows = store.rows("SELECT password FROM users WHERE username = ?", (username,))
        if rows and secrets.compare_digest(rows[0][0], password):
            token = jwt.encode(
                {"sub": username, "exp": int(time.time()) + 3600}, app.config["SECRET_KEY"]
            )
            return jsonify(status="ok", message="Successfully logged in.", auth_token=token)
        failures.setdefault(username, []).append(time.monotonic())
        if secure:
            return fail("Username or password is incorrect.")
        if not rows:
            return fail("Username does not exist")
        return fail("Password is not correct for the given username.")

    @app.put("/users/v1/<username>/email")
    @token_required
    def update_email(username: str) -> ResponseReturnValue:
        body = request.get_json(force=True, silent=True) or {}
        if not isinstance(body.get("email"), str) or "@" not in body["email"]:
            return fail("Please provide a proper email address.", 400)
        if secure and username != g.user:
            return fail("You can only change your own email.", 403)
        if not store.rows("SELECT 1 FROM users WHERE username = ?", (username,)):
            return fail("User not found", 404)
        store.rows("UPDATE users SET email = ? WHERE username = ?", (body["email"], username))
        return jsonify(status="ok", message="Email updated.")

    @app.delete("/users/v1/<username>")
    @token_required
    def delete_user(username: str) -> ResponseReturnValue:
        if not g.admin:
            return fail("Only Admins may delete users!", 401)
        if not store.rows("SELECT 1 FROM users WHERE username = ?", (username,)):
            return fail("User not found", 404)
        store.rows("DELETE FROM users WHERE username = ?", (username,))
        return jsonify(status="ok", message="User deleted.")

    @app.get("/books/v1")
    def list_books() -> ResponseReturnValue:
        rows = store.rows("SELECT title, owner FROM books")
        return jsonify(status="ok", data=[{"book_title": t, "owner": o} for t, o in rows])

    @app.get("/books/v1/search")
    def search_books() -> ResponseReturnValue:
        title = request.args.get("title", "")
        if secure:
            rows = store.rows("SELECT title, owner FROM books WHERE title LIKE ?", (f"%{title}%",))
        else:
            sql = f"SELECT title, owner FROM books WHERE title LIKE '%{title}%'"  # noqa: S608
            rows = store.rows(sql)
        return jsonify(status="ok", data=[{"book_title": t, "owner": o} for t, o in rows])

    @app.post("/books/v1")
    @token_required
    def add_book() -> ResponseReturnValue:
        body = request.get_json(force=True, silent=True) or {}
        if not isinstance(body.get("book_title"), str) or not isinstance(body.get("secret"), str):
            return fail("book_title and secret are required", 400)
        if store.rows("SELECT 1 FROM books WHERE title = ?", (body["book_title"],)):
            return fail("Book Already exists!")
        store.rows(
            "INSERT INTO books VALUES (?, ?, ?)", (body["book_title"], g.user, body["secret"])
        )
        return jsonify(status="ok", message="Book has been added.")

    @app.get("/books/v1/<book_title>")
    @token_required
    def get_book(book_title: str) -> ResponseReturnValue:
        rows = store.rows("SELECT title, owner, secret FROM books WHERE title = ?", (book_title,))
        if not rows or (secure and rows[0][1] != g.user):
            return fail("Book not found", 404)
        title, owner, secret = rows[0]
        return jsonify(status="ok", data={"book_title": title, "owner": owner, "secret": secret})

    return app
