"""The demo bank's storage: one SQLite file per app instance, behind a tiny helper."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

Row = dict[str, Any]
Params = Sequence[Any] | Mapping[str, Any]

SCHEMA = """
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT UNIQUE NOT NULL,
    email TEXT NOT NULL,
    full_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL DEFAULT 'customer',
    transfer_limit REAL NOT NULL DEFAULT 1000,
    referral_code TEXT UNIQUE NOT NULL,
    referred_by TEXT,
    internal_notes TEXT NOT NULL DEFAULT '',
    avatar BLOB,
    avatar_type TEXT
);
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    owner TEXT NOT NULL,
    number TEXT UNIQUE NOT NULL,
    kind TEXT NOT NULL,
    currency TEXT NOT NULL,
    balance REAL NOT NULL,
    internal_notes TEXT NOT NULL DEFAULT ''
);
CREATE TABLE transfers (
    id TEXT PRIMARY KEY,
    from_account_id INTEGER NOT NULL,
    to_account_id INTEGER NOT NULL,
    amount REAL NOT NULL,
    currency TEXT NOT NULL,
    memo TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE cards (
    card_ref TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    brand TEXT NOT NULL,
    number TEXT NOT NULL,
    cvv TEXT NOT NULL,
    expires TEXT NOT NULL,
    status TEXT NOT NULL
);
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    url TEXT NOT NULL,
    event TEXT NOT NULL
);
CREATE TABLE promo_codes (
    code TEXT PRIMARY KEY,
    amount REAL NOT NULL,
    description TEXT NOT NULL
);
CREATE TABLE redemptions (
    code TEXT NOT NULL,
    username TEXT NOT NULL
);
"""


class Database:
    """One SQLite connection shared by the app's event loop (handlers are all async)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # Uvicorn may build the app in one thread and serve it in another.
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row

    def create_schema(self) -> None:
        """Create the tables of a fresh database."""
        self._conn.executescript(SCHEMA)

    def all(self, sql: str, params: Params = ()) -> list[Row]:
        """Every row a query returns, as plain dicts."""
        return [dict(row) for row in self._conn.execute(sql, params)]

    def one(self, sql: str, params: Params = ()) -> Row | None:
        """The first row a query returns, or None."""
        row = self._conn.execute(sql, params).fetchone()
        return dict(row) if row is not None else None

    def run(self, sql: str, params: Params = ()) -> int:
        """Execute a statement; returns the number of rows it changed."""
        return self._conn.execute(sql, params).rowcount

    def many(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Execute a statement once per row."""
        self._conn.executemany(sql, rows)

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()
