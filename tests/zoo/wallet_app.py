"""A small money wallet in plain Starlette, with cookie sessions and no tokens at all.

Style: ``POST /login`` sets Starlette's signed session cookie (``wallet_session``); the
user's numeric id lives only in that session, never in a response body; ``GET /me``
answers without it. Transfers need the session unlocked by a 4-digit PIN. A transfer is
created with ``204 No Content`` and a ``Location`` header; errors are ``{"error": "..."}``.
The contract is a hand-written ``wallet/openapi.yaml``.

``create_app(secure=False)`` plants the flaws in ``wallet/ground_truth.yaml``.
"""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from wallet_fetch import fetch_loopback

# A well-known e-mail pattern with nested quantifiers: exponential on "aaaa…!".
SLOW_EMAIL = re.compile(
    r"^([a-zA-Z0-9])(([\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}"
    r"(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$"
)
EMAIL = re.compile(r"^[^@\s]{1,64}@[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63}){1,4}$")
AVATAR_HOST = "avatars.wallet.example"
PIN_TRIES = 5
LOGIN_TRIES, LOGIN_WINDOW = 5, 60.0


@dataclass(slots=True)
class User:
    """A wallet holder."""

    id: int
    email: str
    password: str
    name: str
    pin: str
    balance: Decimal
    pin_failures: int = 0
    avatar: str | None = None


@dataclass
class Wallet:
    """The running API's data."""

    secure: bool
    users: dict[int, User] = field(default_factory=dict)
    transfers: list[dict[str, Any]] = field(default_factory=list)
    login_failures: dict[str, list[float]] = field(default_factory=dict)
    sessions: set[str] = field(default_factory=set)
    """Live session ids: the secure twin ends a session on the server, not only in the cookie."""

    def __post_init__(self) -> None:
        self.add("alice@wallet.test", "alice-pass-1", "Alice", "4821", Decimal("100.00"))
        self.add("bob@wallet.test", "bob-pass-1", "Bob", "4821", Decimal("250.00"))

    def add(self, email: str, password: str, name: str, pin: str, balance: Decimal) -> User:
        """Open a wallet."""
        user = User(len(self.users) + 1, email, password, name, pin, balance)
        self.users[user.id] = user
        return user

    def by_email(self, email: str) -> User | None:
        """The holder of ``email``."""
        return next((u for u in self.users.values() if u.email == email), None)


def error(message: str, status: int) -> JSONResponse:
    """The API's error body."""
    return JSONResponse({"error": message}, status_code=status)


def create_app(*, secure: bool = False) -> Starlette:
    """The wallet API; ``secure`` fixes every planted flaw."""
    wallet = Wallet(secure=secure)

    def current(request: Request) -> User | None:
        if secure and request.session.get("sid") not in wallet.sessions:
            return None
        return wallet.users.get(request.session.get("uid", 0))

    async def body(request: Request) -> dict[str, Any]:
        try:
            data = await request.json()
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    async def signup(request: Request) -> Response:
        data = await body(request)
        email, password = str(data.get("email", "")), str(data.get("password", ""))
        valid = EMAIL.match(email) if secure and len(email) <= 254 else SLOW_EMAIL.match(email)
        pin = str(data.get("pin", ""))
        if not valid or len(password) < 8 or not re.fullmatch(r"[0-9]{4}", pin):
            return error("a valid email, a password of 8+ characters and a 4-digit PIN", 422)
        if wallet.by_email(email):
            return error("email already registered", 409)
        user = wallet.add(email, password, str(data.get("name", "")), pin, Decimal("0.00"))
        return JSONResponse({"email": user.email, "name": user.name}, status_code=201)

    async def login(request: Request) -> Response:
        data = await body(request)
        email, now = str(data.get("email", "")), time.monotonic()
        recent = [t for t in wallet.login_failures.get(email, []) if now - t < LOGIN_WINDOW]
        wallet.login_failures[email] = recent
        if secure and len(recent) >= LOGIN_TRIES:
            return JSONResponse({"error": "too many failed logins"}, 429, {"Retry-After": "60"})
        user = wallet.by_email(email)
        if user is None or not secrets.compare_digest(user.password, str(data.get("password", ""))):
            recent.append(now)
            return error("invalid email or password", 401)
        request.session.clear()
        request.session["uid"], request.session["sid"] = user.id, secrets.token_hex(16)
        wallet.sessions.add(request.session["sid"])
        return JSONResponse({"ok": True, "name": user.name})

    async def logout(request: Request) -> Response:
        wallet.sessions.discard(request.session.get("sid", ""))
        request.session.clear()
        return Response(status_code=204)

    async def me(request: Request) -> Response:
        user = current(request)
        if user is None:
            return error("login required", 401)
        return JSONResponse({"email": user.email, "name": user.name, "balance": str(user.balance)})

    async def account(request: Request) -> Response:
        user = current(request)
        if user is None:
            return error("login required", 401)
        other = wallet.users.get(request.path_params["account_id"])
        if other is None or (secure and other.id != user.id):
            return error("no such account", 404)
        return JSONResponse(
            {
                "account_id": other.id,
                "name": other.name,
                "email": other.email,
                "balance": str(other.balance),
            }
        )

    async def verify_pin(request: Request) -> Response:
        user = current(request)
        if user is None:
            return error("login required", 401)
        if secure and user.pin_failures >= PIN_TRIES:
            return error("too many wrong PINs: the wallet is locked", 429)
        if not secrets.compare_digest(str((await body(request)).get("pin", "")), user.pin):
            user.pin_failures += 1
            return error("wrong PIN", 403)
        user.pin_failures = 0
        request.session["pin_ok"] = True
        return JSONResponse({"verified": True})

    async def transfer(request: Request) -> Response:
        user = current(request)
        if user is None:
            return error("login required", 401)
        if not request.session.get("pin_ok"):
            return error("enter your PIN first", 403)
        data = await body(request)
        target = wallet.by_email(str(data.get("to", "")))
        try:
            amount = Decimal(str(data.get("amount"))).quantize(Decimal("0.01"))
        except InvalidOperation:
            return error("amount must be a number", 422)
        if target is None or target.id == user.id:
            return error("unknown recipient", 422)
        if amount > user.balance or (secure and amount <= 0):
            return error("invalid amount", 422)
        user.balance -= amount
        target.balance += amount
        wallet.transfers.append({"id": len(wallet.transfers) + 1, "from": user.email,
                                 "to": target.email, "amount": str(amount)})  # fmt: skip
        return Response(
            status_code=204, headers={"Location": f"/transfers/{len(wallet.transfers)}"}
        )

    async def get_transfer(request: Request) -> Response:
        user = current(request)
        if user is None:
            return error("login required", 401)
        index = request.path_params["transfer_id"] - 1
        found = wallet.transfers[index] if 0 <= index < len(wallet.transfers) else None
        if found is None or user.email not in (found["from"], found["to"]):
            return error("no such transfer", 404)
        return JSONResponse(found)

    async def avatar(request: Request) -> Response:
        user = current(request)
        if user is None:
            return error("login required", 401)
        url = str((await body(request)).get("url", ""))
        if secure and not url.startswith(f"https://{AVATAR_HOST}/"):
            return error(f"avatars must come from {AVATAR_HOST}", 422)
        fetched = await fetch_loopback(url)
        if fetched is None:
            return error("could not fetch the avatar", 502)
        user.avatar = url
        return JSONResponse({"avatar": url, "content_type": fetched[0], "bytes": fetched[1]})

    routes = [
        Route("/signup", signup, methods=["POST"]),
        Route("/login", login, methods=["POST"]),
        Route("/logout", logout, methods=["POST"]),
        Route("/me", me),
        Route("/me/avatar", avatar, methods=["PUT"]),
        Route("/accounts/{account_id:int}", account),
        Route("/pin/verify", verify_pin, methods=["POST"]),
        Route("/transfers", transfer, methods=["POST"]),
        Route("/transfers/{transfer_id:int}", get_transfer),
    ]
    key = secrets.token_urlsafe(32) if secure else "secret"
    cookie = Middleware(SessionMiddleware, secret_key=key, session_cookie="wallet_session")
    return Starlette(routes=routes, middleware=[cookie])
