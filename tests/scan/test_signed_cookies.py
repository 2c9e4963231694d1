"""Signed session cookies: read, key guessed offline, forged — on cookies the frameworks made."""

from __future__ import annotations

import asyncio
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import httpx
import pytest
from flask import Flask, jsonify, session
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from apiward.scan import signed_cookies


def _starlette_cookie(key: str, data: dict[str, object]) -> str:
    async def login(request: Request) -> JSONResponse:
        request.session.update(data)
        return JSONResponse({"ok": True})

    async def me(request: Request) -> JSONResponse:
        return JSONResponse(dict(request.session))

    app = Starlette(
        routes=[Route("/login", login, methods=["POST"]), Route("/me", me)],
        middleware=[Middleware(SessionMiddleware, secret_key=key)],
    )

    async def sign_in() -> str:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as web:
            await web.post("/login")
            return str(web.cookies["session"])

    return asyncio.run(sign_in())


def _flask_app(key: str, data: dict[str, object]) -> Flask:
    app = Flask(__name__)
    app.secret_key = key

    @app.post("/login")
    def login() -> object:
        session.update(data)
        return jsonify(ok=True)

    @app.get("/me")
    def me() -> object:
        return jsonify(dict(session))

    return app


def _flask_cookie(key: str, data: dict[str, object]) -> str:
    client = _flask_app(key, data).test_client()
    client.post("/login")
    cookie = client.get_cookie("session")
    assert cookie is not None
    return cookie.value


def test_a_starlette_session_is_read_without_its_key() -> None:
    """Starlette's cookie is base64 JSON, signed but not encrypted: the session reads as is."""
    cookie = signed_cookies.read(_starlette_cookie("k" * 32, {"uid": 7, "sid": "abc"}))
    assert cookie is not None
    assert dict(cookie.session) == {"uid": 7, "sid": "abc"}
    assert "Starlette" in [scheme.name for scheme in cookie.schemes]


def test_a_flask_session_is_read_compressed_or_not() -> None:
    """Flask's cookie is base64url JSON, zlib-compressed (leading '.') when that is shorter."""
    small = signed_cookies.read(_flask_cookie("k" * 32, {"user_id": 3}))
    big = signed_cookies.read(_flask_cookie("k" * 32, {"user_id": 3, "note": "x" * 300}))
    assert small is not None
    assert big is not None
    assert small.session == {"user_id": 3}
    assert big.value.startswith(".")
    assert big.session["note"] == "x" * 300


def test_values_that_are_not_signed_sessions_are_not_read() -> None:
    """A JWT, an opaque id or a dotted string of no session is None."""
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln"
    for value in (jwt, "3f2a9c0d11", "a.b.c", ""):
        assert signed_cookies.read(value) is None


def test_the_key_is_found_only_when_it_is_in_the_list() -> None:
    """signer() names the framework whose key signed the cookie, None for any other key."""
    for make, framework in ((_starlette_cookie, "Starlette"), (_flask_cookie, "Flask")):
        cookie = signed_cookies.read(make("dev", {"uid": 1}))
        assert cookie is not None
        scheme = signed_cookies.signer(cookie, "dev")
        assert scheme is not None
        assert scheme.name == framework
        assert signed_cookies.signer(cookie, "secret") is None
        assert signed_cookies.signer(cookie, "changeme") is None


def test_a_forged_cookie_is_accepted_by_the_framework_itself() -> None:
    """A session forged with the key is what the real Flask app reads back."""
    app = _flask_app("dev", {})
    cookie = signed_cookies.read(_flask_cookie("dev", {"user_id": 3}))
    assert cookie is not None
    scheme = signed_cookies.signer(cookie, "dev")
    assert scheme is not None
    forged = signed_cookies.forge(scheme, "dev", {"user_id": 1, "admin": True})
    client = app.test_client()
    client.set_cookie("session", forged)
    assert client.get("/me").get_json() == {"user_id": 1, "admin": True}


DJANGO_SALT = "django.contrib.sessions.backends.signed_cookies"


def _django_signer(key: str) -> Any:
    from django.core.signing import TimestampSigner

    return TimestampSigner(key=key, salt=DJANGO_SALT, fallback_keys=[])


def test_a_django_signed_cookies_session_is_read_and_its_key_found() -> None:
    """Django's own signer, compressed: the session reads, and only the right key cracks it."""
    from django.core.signing import JSONSerializer

    data = {"_auth_user_id": "7", "_auth_user_backend": "django.contrib.auth.backends." * 3}
    value = _django_signer("django-insecure-kitchen").sign_object(
        data, serializer=JSONSerializer, compress=True
    )
    cookie = signed_cookies.read(value)
    assert cookie is not None
    assert cookie.session == data
    assert [s.name for s in cookie.schemes] == ["Django"]
    assert signed_cookies.signer(cookie, "secret") is None
    assert signed_cookies.signer(cookie, "changeme") is None
    assert signed_cookies.signer(cookie, "django-insecure-kitchen") is not None


def test_a_forged_django_session_is_what_django_reads_back() -> None:
    """A session forged with the key passes Django's own unsign, and a wrong key's does not."""
    from django.core.signing import BadSignature, JSONSerializer

    signer = _django_signer("django-insecure-kitchen")
    value = signer.sign_object({"_auth_user_id": "7"}, serializer=JSONSerializer)
    cookie = signed_cookies.read(value)
    assert cookie is not None
    scheme = signed_cookies.signer(cookie, "django-insecure-kitchen")
    assert scheme is not None
    forged = signed_cookies.forge(scheme, "django-insecure-kitchen", {"_auth_user_id": "1"})
    assert signer.unsign_object(forged, serializer=JSONSerializer) == {"_auth_user_id": "1"}
    wrong = signed_cookies.forge(scheme, "another-key", {"_auth_user_id": "1"})
    with pytest.raises(BadSignature):
        signer.unsign_object(wrong, serializer=JSONSerializer)


def _recorded_mojolicious_cookie() -> tuple[str, str]:
    """The name and value of a session cookie a real Mojolicious 9.31 app set (``data/``)."""
    text = Path(__file__).with_name("data").joinpath("mojolicious_set_cookie.txt").read_text()
    header = next(line for line in text.splitlines() if line.startswith("Set-Cookie: "))
    [(name, morsel)] = SimpleCookie(header.removeprefix("Set-Cookie: ")).items()
    return name, morsel.value


def test_a_mojolicious_session_is_read_and_its_secret_found() -> None:
    """Mojolicious' own cookie: the padded JSON reads, and only its secret under its name signs it."""
    name, value = _recorded_mojolicious_cookie()
    cookie = signed_cookies.read(value, name)
    assert cookie is not None
    assert [s.name for s in cookie.schemes] == ["Mojolicious"]
    assert cookie.session["user"] == "maria"
    assert signed_cookies.signer(cookie, "secret") is None
    assert signed_cookies.signer(cookie, "changeme") is not None
    renamed = signed_cookies.read(value, "session")
    assert renamed is not None
    assert signed_cookies.signer(renamed, "changeme") is None  # the name is signed too


def test_a_mojolicious_session_re_signed_is_the_one_mojolicious_wrote() -> None:
    """Forging the session read with the secret found gives Mojolicious' cookie byte for byte."""
    name, value = _recorded_mojolicious_cookie()
    cookie = signed_cookies.read(value, name)
    assert cookie is not None
    scheme = signed_cookies.signer(cookie, "changeme")
    assert scheme is not None
    assert signed_cookies.forge(scheme, "changeme", cookie.session) == value
