"""Dashboard users: a name, a role, and an argon2id hash of the password (argon2-cffi).

Roles are ordered: a **viewer** reads every page, a **triager** also takes triage
decisions, an **admin** also manages users. The password itself is never stored,
logged nor shown; only its hash, which the JSON API and the pages never give out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from apiward.core.errors import ConfigError
from apiward.server.tables import users

MIN_PASSWORD = 12
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,99}")
# argon2-cffi's defaults are argon2id with RFC 9106's low-memory parameters.
_HASHER = PasswordHasher()
# Checked against when the name is unknown, so a wrong name costs what a wrong password does.
_DECOY = _HASHER.hash("not anyone's password")


class Role(StrEnum):
    """What a user may do; each role may do everything the ones before it may."""

    VIEWER = "viewer"
    TRIAGER = "triager"
    ADMIN = "admin"

    def allows(self, needed: Role) -> bool:
        """True when this role may do what ``needed`` may."""
        order = list(Role)
        return order.index(self) >= order.index(needed)


@dataclass(frozen=True, slots=True, kw_only=True)
class User:
    """A dashboard user (without the password hash)."""

    id: int
    name: str
    role: Role


def create_user(engine: Engine, name: str, password: str, role: Role) -> User:
    """Add a user; the name must be new, the password at least ``MIN_PASSWORD`` characters."""
    if not _NAME.fullmatch(name):
        raise ConfigError(
            f"user name {name!r}: 1 to 100 letters, digits, '.', '_', '@' or '-' "
            "(starting with a letter or digit)"
        )
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"the password needs at least {MIN_PASSWORD} characters")
    values = {"name": name, "role": role.value, "password": _HASHER.hash(password)}
    try:
        with engine.begin() as connection:
            inserted = connection.execute(
                users.insert().values(**values, created=datetime.now(UTC))
            ).inserted_primary_key
    except IntegrityError:
        raise ConfigError(f"a user named {name!r} already exists") from None
    if inserted is None:
        raise RuntimeError("the database gave no id for the new user")
    return User(id=int(inserted[0]), name=name, role=role)


def set_user(engine: Engine, name: str, password: str, role: Role) -> User:
    """Add ``name``, or give the existing user this password and role (the demo's login)."""
    with engine.connect() as connection:
        known = connection.execute(select(users.c.id).where(users.c.name == name)).scalar()
    if known is None:
        return create_user(engine, name, password, role)
    if len(password) < MIN_PASSWORD:
        raise ConfigError(f"the password needs at least {MIN_PASSWORD} characters")
    with engine.begin() as connection:
        connection.execute(
            users.update()
            .where(users.c.id == known)
            .values(password=_HASHER.hash(password), role=role.value)
        )
    return User(id=known, name=name, role=role)


def authenticate(engine: Engine, name: str, password: str) -> User | None:
    """The user when ``password`` is theirs; None otherwise (unknown name or wrong password)."""
    with engine.connect() as connection:
        row = connection.execute(select(users).where(users.c.name == name)).mappings().first()
    try:
        _HASHER.verify(row["password"] if row else _DECOY, password)
    except (VerificationError, InvalidHashError):
        return None
    if row is None:
        return None
    if _HASHER.check_needs_rehash(row["password"]):
        with engine.begin() as connection:
            connection.execute(
                users.update()
                .where(users.c.id == row["id"])
                .values(password=_HASHER.hash(password))
            )
    return User(id=row["id"], name=row["name"], role=Role(row["role"]))


@dataclass(frozen=True, slots=True, kw_only=True)
class Listed:
    """A user as the settings page lists them (never the hash)."""

    id: int
    name: str
    role: Role
    created: datetime


def list_users(engine: Engine) -> list[Listed]:
    """Every user, by name."""
    query = select(users.c.id, users.c.name, users.c.role, users.c.created).order_by(users.c.name)
    with engine.connect() as connection:
        return [
            Listed(id=row.id, name=row.name, role=Role(row.role), created=row.created)
            for row in connection.execute(query)
        ]


def set_role(engine: Engine, user_id: int, role: Role) -> Listed:
    """Give user ``user_id`` ``role``; the last admin stays one, so someone can manage users."""
    with engine.begin() as connection:
        row = connection.execute(select(users).where(users.c.id == user_id)).mappings().first()
        if row is None:
            raise LookupError(f"no user {user_id}")
        if row["role"] == Role.ADMIN.value and role is not Role.ADMIN:
            admins = connection.execute(
                select(func.count()).select_from(users).where(users.c.role == Role.ADMIN.value)
            ).scalar_one()
            if admins <= 1:
                raise ConfigError(f"{row['name']} is the last admin: make another admin first")
        connection.execute(users.update().where(users.c.id == user_id).values(role=role.value))
    return Listed(id=row["id"], name=row["name"], role=role, created=row["created"])
