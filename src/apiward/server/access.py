"""Who may do what: every route but signing in depends on :func:`needs` with a role.

A caller is a signed-in browser (the session cookie) or, under ``/api/`` only, a script
with an API token (``Authorization: Bearer apiward_...``, ``apiward.server.tokens``).
A request without either is refused (401 for the JSON API; pages redirect to the login
form). A role below the route's is refused with 403. A state-changing request with the
cookie must also carry the session's CSRF token, in the ``csrf`` form field or the
``X-CSRF-Token`` header, compared in constant time; one with a token needs none (a
browser never sends a token by itself: it is no ambient credential). A request that
sends both a cookie and a token is refused (400): which one speaks is never a guess.
Pages ignore the ``Authorization`` header (a token is for the API), and so does the API
when it names another scheme (a TLS proxy's Basic in front of the dashboard).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import HTTPException, Request, Security
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine

from apiward.server.headers import SAFE
from apiward.server.sessions import COOKIE, Session, find_session, same_token
from apiward.server.tokens import find_token
from apiward.server.users import Role

CSRF_HEADER = "x-csrf-token"
# Declares, in the OpenAPI document, that every operation but the login needs the session
# cookie; the check itself is below (the session is looked up in the database).
SESSION_COOKIE = APIKeyCookie(name=COOKIE, scheme_name="session", auto_error=False)
BEARER = HTTPBearer(
    scheme_name="token",
    bearerFormat="apiward_...",
    description="An API token (settings → API tokens, or `apiward server create-token`); "
    "no CSRF token needed. Never together with the session cookie.",
    auto_error=False,
)
API = "/api/"


class SignInNeededError(Exception):
    """No live session: pages send the browser to the login form, the API answers 401."""


def engine_of(request: Request) -> Engine:
    """The store the app serves."""
    engine: Engine = request.app.state.engine
    return engine


def session_of(request: Request) -> Session | None:
    """The request's live session, if its cookie names one."""
    token = request.cookies.get(COOKIE)
    return find_session(engine_of(request), token) if token else None


def bearer_of(request: Request) -> Session | None:
    """The token's owner as a session without a CSRF token, if the API request sends one."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    # Another scheme (a proxy's Basic in front of the dashboard) is not ours to judge.
    if scheme.lower() != "bearer" or not request.url.path.startswith(API):
        return None
    if COOKIE in request.cookies:
        raise HTTPException(400, "send the session cookie or an API token, not both")
    user = find_token(engine_of(request), token.strip())
    if user is None:
        raise HTTPException(
            401,
            "unknown, revoked or expired API token",
            headers={"www-authenticate": 'Bearer error="invalid_token"'},
        )
    return Session(user=user, csrf="", bearer=True)


def needs(role: Role) -> Callable[..., Awaitable[Session]]:
    """A dependency: a caller whose role allows ``role``; a session's writes CSRF-checked."""

    async def check(
        request: Request,
        _cookie: str | None = Security(SESSION_COOKIE),
        _token: Annotated[HTTPAuthorizationCredentials | None, Security(BEARER)] = None,
    ) -> Session:
        session = bearer_of(request) or session_of(request)
        if session is None:
            raise SignInNeededError
        if request.method not in SAFE and not session.bearer:
            sent = request.headers.get(CSRF_HEADER)
            if sent is None and _is_form(request):
                field = (await request.form()).get("csrf")
                sent = field if isinstance(field, str) else None
            if not same_token(sent, session.csrf):
                raise HTTPException(403, "missing or wrong CSRF token")
        if not session.user.role.allows(role):
            raise HTTPException(403, f"this needs the {role.value} role")
        return session

    return check


def _is_form(request: Request) -> bool:
    kind = request.headers.get("content-type", "")
    return kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data"))


VIEWER = needs(Role.VIEWER)
TRIAGER = needs(Role.TRIAGER)
ADMIN = needs(Role.ADMIN)
