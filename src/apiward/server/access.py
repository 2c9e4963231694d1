"""Who may do what: every route but signing in depends on :func:`needs` with a role.

A request without a live session is refused (401 for the JSON API; pages redirect to
the login form). A role below the route's is refused with 403. A state-changing
request must also carry the session's CSRF token, in the ``csrf`` form field or the
``X-CSRF-Token`` header, compared in constant time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request, Security
from fastapi.security import APIKeyCookie
from sqlalchemy import Engine

from apiward.server.headers import SAFE
from apiward.server.sessions import COOKIE, Session, find_session, same_token
from apiward.server.users import Role

CSRF_HEADER = "x-csrf-token"
# Declares, in the OpenAPI document, that every operation but the login needs the session
# cookie; the check itself is below (the session is looked up in the database).
SESSION_COOKIE = APIKeyCookie(name=COOKIE, scheme_name="session", auto_error=False)


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


def needs(role: Role) -> Callable[[Request], Awaitable[Session]]:
    """A dependency: the session of a user whose role allows ``role``, CSRF-checked on writes."""

    async def check(request: Request, _cookie: str | None = Security(SESSION_COOKIE)) -> Session:
        session = session_of(request)
        if session is None:
            raise SignInNeededError
        if request.method not in SAFE:
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
