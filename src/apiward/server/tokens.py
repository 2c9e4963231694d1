"""API tokens: what a CI system or a script sends as ``Authorization: Bearer`` to ``/api/``.

A token is ``apiward_`` and 32 random bytes in base64url (the prefix lets secret
scanners find a leaked one; ``apiward.core.redact`` masks it in every report and log).
It is shown once, when it is made: the database keeps its SHA-256, as for sessions,
with its owner, name, when it was made, last used and when it expires (if ever). It
acts with its owner's role as it is at each request, so a demoted user's tokens lose
the power at once.

A user's live tokens (not revoked, not expired) have distinct names: a name says what
uses the token, and a form sent again (a reload of the page that showed a new token)
is refused rather than making a second live credential its user never saw.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, delete, or_, select, update

from apiward.core.errors import ConfigError
from apiward.core.redact import TOKEN_PREFIX
from apiward.server.tables import tokens, users
from apiward.server.users import Role, User

MAX_NAME = 100
# last_used is written at most this often per token: a CI job's every request is not a write.
TOUCH_EVERY = timedelta(minutes=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class Token:
    """A token as its owner and the admins see it: never the token itself."""

    id: int
    owner: str
    name: str
    created: datetime
    last_used: datetime | None
    expires: datetime | None


def create_token(
    engine: Engine,
    owner: str,
    name: str,
    *,
    expires: datetime | None = None,
    now: datetime | None = None,
) -> tuple[str, Token]:
    """A new token for the user ``owner``: the token (shown once), and its record.

    Refused (ConfigError) when ``owner`` has a live token of that name already.
    """
    now = now or datetime.now(UTC)
    name = name.strip()
    if not name or len(name) > MAX_NAME:
        raise ConfigError(f"a token's name is 1 to {MAX_NAME} characters")
    if expires is not None:
        expires = expires if expires.tzinfo else expires.replace(tzinfo=UTC)
        if expires <= now:
            raise ConfigError("a token's expiry must be in the future")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as connection:
        user_id = _owner_locked(connection, owner)
        if _has_live(connection, user_id, name, now):
            raise ConfigError(
                f"{owner} already has a token named {name!r}: revoke it or choose another name"
            )
        made = connection.execute(
            tokens.insert().values(
                digest=_digest(secret), user_id=user_id, name=name, created=now, expires=expires
            )
        ).inserted_primary_key
    if made is None:
        raise RuntimeError("the database gave no id for the new token")
    token = Token(
        id=int(made[0]), owner=owner, name=name, created=now, last_used=None, expires=expires
    )
    return secret, token


def _owner_locked(connection: Connection, owner: str) -> int:
    """The user's id, after a write to their row that holds their tokens still until commit.

    A SELECT would not do: SQLite's driver begins the transaction at the first write, and
    two requests (a double-click) could both find a name free. This write takes SQLite's
    write lock, and on PostgreSQL locks the row, so one user's tokens are made in turn.
    """
    touched = connection.execute(
        update(users).where(users.c.name == owner).values(name=users.c.name)
    )
    if not touched.rowcount:
        raise ConfigError(f"no user named {owner!r}")
    user_id: int = connection.execute(select(users.c.id).where(users.c.name == owner)).scalar_one()
    return user_id


def _has_live(connection: Connection, user_id: int, name: str, now: datetime) -> bool:
    query = select(tokens.c.id).where(
        tokens.c.user_id == user_id,
        tokens.c.name == name,
        or_(tokens.c.expires.is_(None), tokens.c.expires > now),
    )
    return connection.execute(query.limit(1)).first() is not None


def list_tokens(engine: Engine, owner: int | None) -> list[Token]:
    """The tokens of user ``owner`` (None: everyone's), newest first."""
    query = (
        select(tokens, users.c.name.label("owner"))
        .join(users, users.c.id == tokens.c.user_id)
        .order_by(tokens.c.id.desc())
    )
    if owner is not None:
        query = query.where(tokens.c.user_id == owner)
    with engine.connect() as connection:
        return [
            Token(
                id=row["id"],
                owner=row["owner"],
                name=row["name"],
                created=row["created"],
                last_used=row["last_used"],
                expires=row["expires"],
            )
            for row in connection.execute(query).mappings()
        ]


def revoke_token(engine: Engine, token_id: int, owner: int | None) -> bool:
    """Revoke a token of user ``owner`` (None: anyone's); False when there was none."""
    query = delete(tokens).where(tokens.c.id == token_id)
    if owner is not None:
        query = query.where(tokens.c.user_id == owner)
    with engine.begin() as connection:
        return bool(connection.execute(query).rowcount)


def find_token(engine: Engine, secret: str) -> User | None:
    """The owner of the live token ``secret``, with their role as it is now; else None."""
    if not secret.startswith(TOKEN_PREFIX) or len(secret) > 100:
        return None
    query = (
        select(tokens.c.id, tokens.c.expires, tokens.c.last_used, users.c.name, users.c.role)
        .add_columns(users.c.id.label("user_id"))
        .join(users, users.c.id == tokens.c.user_id)
        .where(tokens.c.digest == _digest(secret))
    )
    now = datetime.now(UTC)
    with engine.connect() as connection:
        row = connection.execute(query).first()
    if row is None or (row.expires is not None and row.expires <= now):
        return None
    if row.last_used is None or now - row.last_used >= TOUCH_EVERY:
        with engine.begin() as connection:
            connection.execute(tokens.update().where(tokens.c.id == row.id).values(last_used=now))
    return User(id=row.user_id, name=row.name, role=Role(row.role))


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
