"""The shop API's pydantic models and its SQLite store (unique email and phone)."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

from pydantic import BaseModel, Field


class Profile(BaseModel):
    """A member's public profile; the tier decides the discount."""

    bio: str = ""
    tier: str = "basic"


class UserCreate(BaseModel):
    email: str
    phone: str
    password: str = Field(min_length=8)
    name: str = ""


class UserOut(BaseModel):
    email: str
    phone: str
    name: str
    is_admin: bool
    verified: bool
    balance: float
    profile: Profile


class AdminUserOut(UserOut):
    id: int


class ProfileUpdate(BaseModel):
    bio: str | None = None
    tier: str | None = None


class UserUpdate(BaseModel):
    name: str | None = None
    phone: str | None = None
    is_admin: bool | None = None
    verified: bool | None = None
    balance: float | None = None
    profile: ProfileUpdate | None = None


class Token(BaseModel):
    access_token: str
    token_type: str = "bearer"


class Product(BaseModel):
    id: int
    name: str
    price: float


class ProductPage(BaseModel):
    items: list[Product]
    next: str | None = None


class UserPage(BaseModel):
    items: list[AdminUserOut]
    next: str | None = None


class Upload(BaseModel):
    id: int
    filename: str
    url: str


class Status(BaseModel):
    status: str
    version: str | None = None
    build: dict[str, str] | None = None


class Stats(BaseModel):
    users: int
    uploads: int
    admins: list[str]


COLUMNS = "id, email, phone, password, name, is_admin, verified, balance, bio, tier"


class Store:
    """Members in SQLite (``UNIQUE`` email and phone), shared by the server's threads."""

    def __init__(self) -> None:
        self.db = sqlite3.connect(":memory:", check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.lock = threading.Lock()
        self.db.execute(
            "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE, phone TEXT UNIQUE,"
            " password TEXT, name TEXT, is_admin INT DEFAULT 0, verified INT DEFAULT 0,"
            " balance REAL DEFAULT 0, bio TEXT DEFAULT '', tier TEXT DEFAULT 'basic')"
        )
        self.add(UserCreate(email="root@shop.test", phone="+1-555-0100", password="r00t-shop-pw"))
        self.update(1, {"is_admin": 1, "verified": 1})
        self.add(UserCreate(email="alice@shop.test", phone="+1-555-0101", password="alice-pass-1"))
        self.add(UserCreate(email="bob@shop.test", phone="+1-555-0102", password="bob-pass-1"))

    def add(self, user: UserCreate) -> int:
        """Insert a member; sqlite3.IntegrityError on a taken email or phone."""
        with self.lock:
            cursor = self.db.execute(
                "INSERT INTO users (email, phone, password, name) VALUES (?, ?, ?, ?)",
                (user.email, user.phone, user.password, user.name),
            )
            self.db.commit()
            return cursor.lastrowid or 0

    def get(self, **where: Any) -> sqlite3.Row | None:
        """The member matching one column."""
        ((column, value),) = where.items()
        with self.lock:
            return self.db.execute(  # type: ignore[no-any-return]
                f"SELECT {COLUMNS} FROM users WHERE {column} = ?",  # noqa: S608 (our names)
                (value,),
            ).fetchone()

    def all(self, after: int, limit: int) -> list[sqlite3.Row]:
        """Members by id, ``limit`` after ``after``."""
        with self.lock:
            return self.db.execute(
                f"SELECT {COLUMNS} FROM users WHERE id > ? ORDER BY id LIMIT ?",  # noqa: S608
                (after, limit),
            ).fetchall()

    def update(self, user_id: int, values: dict[str, Any]) -> None:
        """Set columns of one member."""
        with self.lock:
            for column, value in values.items():
                self.db.execute(f"UPDATE users SET {column} = ? WHERE id = ?", (value, user_id))  # noqa: S608
            self.db.commit()


def user_out(row: sqlite3.Row) -> UserOut:
    """What a member sees of itself."""
    return UserOut(
        email=row["email"],
        phone=row["phone"],
        name=row["name"],
        is_admin=bool(row["is_admin"]),
        verified=bool(row["verified"]),
        balance=row["balance"],
        profile=Profile(bio=row["bio"], tier=row["tier"]),
    )
