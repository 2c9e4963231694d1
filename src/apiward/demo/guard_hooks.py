"""Ownership and roles hooks for the demo bank's guard policy (guard.yaml), by import path.

The policy names them ``apiward.demo.guard_hooks:account_owner`` and so on; they answer
from the bank's own SQLite database, found in one of two ways:

* **middleware** (``guarded_app()``, or ``bank.add_middleware(Guard, ...)``): Starlette
  puts the bank app in ``scope["app"]``, so the hooks use ``app.state.bank.db``, the
  bank's own connection;
* **gateway** (``apiward guard``, another process than the bank): the hooks open the
  file named by the environment variable ``APIWARD_BANK_DB`` (the bank's
  ``<data_dir>/bank.sqlite3``) read-only, once per process. SQLite lets the gateway
  read what the bank commits; it never writes.

Neither found → the hook raises and the guard answers 503 (fail closed).
"""

from __future__ import annotations

import functools
import os
import sqlite3
from pathlib import Path
from typing import Any, Protocol

from apiward.guard.context import Context

DB_ENV = "APIWARD_BANK_DB"


class _Rows(Protocol):
    def one(self, sql: str, params: tuple[Any, ...] = ()) -> dict[str, Any] | None: ...


class ReadOnlyDatabase:
    """The bank's SQLite file opened read-only (``mode=ro``) from another process."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise FileNotFoundError(f"{DB_ENV}={path}: no such database")
        uri = path.resolve().as_uri() + "?mode=ro"
        self._conn = sqlite3.connect(uri, uri=True, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> dict[str, Any] | None:
        """The first row a query returns, or None."""
        row = self._conn.execute(sql, params).fetchone()
        return dict(row) if row is not None else None


@functools.cache
def _opened(path: str) -> ReadOnlyDatabase:
    return ReadOnlyDatabase(Path(path))


def database(ctx: Context) -> _Rows:
    """The bank's data for this request: the app's own connection, or the file in $APIWARD_BANK_DB."""
    app = ctx.scope.get("app")
    bank = getattr(getattr(app, "state", None), "bank", None)
    if bank is not None:
        db: _Rows = bank.db
        return db
    path = os.environ.get(DB_ENV)
    if not path:
        raise LookupError(f"no bank app in the request scope and {DB_ENV} is not set")
    return _opened(path)


async def roles(ctx: Context) -> list[str]:
    """The caller's role in the users table (the bank's tokens carry only ``sub``)."""
    row = database(ctx).one("SELECT role FROM users WHERE username = ?", (ctx.principal,))
    return [row["role"]] if row else []


async def account_owner(ctx: Context, value: Any) -> str | None:
    """The holder of an account id (path and query give text, the body a number)."""
    row = database(ctx).one("SELECT owner FROM accounts WHERE id = ?", (_integer(value),))
    return row["owner"] if row else None


async def transfer_parties(ctx: Context, value: Any) -> tuple[str, ...] | None:
    """Both parties of a transfer: the holders of its two accounts."""
    row = database(ctx).one(
        "SELECT f.owner AS payer, t.owner AS payee FROM transfers"
        " JOIN accounts f ON f.id = transfers.from_account_id"
        " JOIN accounts t ON t.id = transfers.to_account_id WHERE transfers.id = ?",
        (str(value),),
    )
    return (row["payer"], row["payee"]) if row else None


async def card_owner(ctx: Context, value: Any) -> str | None:
    """The holder of a card reference."""
    row = database(ctx).one("SELECT owner FROM cards WHERE card_ref = ?", (str(value),))
    return row["owner"] if row else None


async def webhook_owner(ctx: Context, value: Any) -> str | None:
    """Who registered a webhook."""
    row = database(ctx).one("SELECT owner FROM webhooks WHERE id = ?", (str(value),))
    return row["owner"] if row else None


def _integer(value: Any) -> int | None:
    """The value as an SQLite integer (64 bits), or None: no account has that id."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if -(1 << 63) <= number < 1 << 63 else None
