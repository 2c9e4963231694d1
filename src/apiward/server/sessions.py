"""Sessions: a random token in an HttpOnly, SameSite cookie, and a CSRF token per session.

The database keeps the token's SHA-256, never the token, so reading the table logs
nobody in. Each session carries its own CSRF token (synchronizer pattern): every
state-changing request must send it back, in the form or the ``X-CSRF-Token`` header.
The user's role is read on every request, so a changed role applies at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, delete, select

from apiward.server.tables import sessions, users
from apiward.server.users import Role, User

COOKIE = "apiward_session"
LIFETIME = timedelta(hours=12)


@dataclass(frozen=True, slots=True, kw_only=True)
class Session:
    """A signed-in user and the CSRF token their state-changing requests must carry.

    ``bearer``: the caller sent an API token instead (``apiward.server.tokens``); it has
    no CSRF token and needs none.
    """

    user: User
    csrf: str
    bearer: bool = False


def open_session(engine: Engine, user: User) -> tuple[str, Session]:
    """A new session for ``user``: the cookie's token, and the session."""
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with engine.begin() as connection:
        # Expired sessions go when anyone signs in; nothing else needs to sweep them.
        connection.execute(delete(sessions).where(sessions.c.expires <= now))
        connection.execute(
            sessions.insert().values(
                id=_digest(token), user_id=user.id, csrf=csrf, created=now, expires=now + LIFETIME
            )
        )
    return token, Session(user=user, csrf=csrf)


def find_session(engine: Engine, token: str) -> Session | None:
    """The live session the cookie's ``token`` names, if any."""
    if not token or len(token) > 100:
        return None
    query = (
        select(sessions.c.csrf, sessions.c.expires, users.c.id, users.c.name, users.c.role)
        .join(users, users.c.id == sessions.c.user_id)
        .where(sessions.c.id == _digest(token))
    )
    with engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None or row.expires <= datetime.now(UTC):
        return None
    return Session(user=User(id=row.id, name=row.name, role=Role(row.role)), csrf=row.csrf)


def close_session(engine: Engine, token: str) -> None:
    """End the session ``token`` names (signing out)."""
    with engine.begin() as connection:
        connection.execute(delete(sessions).where(sessions.c.id == _digest(token)))


def same_token(given: str | None, expected: str) -> bool:
    """Constant-time comparison of a CSRF token sent back with the session's."""
    return given is not None and secrets.compare_digest(given.encode(), expected.encode())


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
