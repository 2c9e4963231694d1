"""Ownership and roles hooks for the demo bank: lookups in the bank's own SQLite database.

The bank's tokens carry only ``sub`` (the username), so roles come from its users
table too. One instance per bank; its methods are handed to the policy by name
(``Policy.load(..., hooks=BankHooks(db).named())``).
"""

from __future__ import annotations

from typing import Any

from apiward.demo.db import Database
from apiward.guard.context import Context


class BankHooks:
    """Who owns accounts, transfers, cards and webhooks, and which role a user has."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def named(self) -> dict[str, Any]:
        """The hooks under the names the bank's authorization policy uses."""
        return {
            "bank_roles": self.roles,
            "account_owner": self.account,
            "transfer_parties": self.transfer,
            "card_owner": self.card,
            "webhook_owner": self.webhook,
        }

    async def roles(self, ctx: Context) -> list[str]:
        """The caller's role in the users table."""
        row = self.db.one("SELECT role FROM users WHERE username = ?", (ctx.principal,))
        return [row["role"]] if row else []

    async def account(self, ctx: Context, value: Any) -> str | None:
        """The holder of an account id (path and query give text, the body a number)."""
        row = self.db.one("SELECT owner FROM accounts WHERE id = ?", (_integer(value),))
        return row["owner"] if row else None

    async def transfer(self, ctx: Context, value: Any) -> tuple[str, ...] | None:
        """Both parties of a transfer: the holders of its two accounts."""
        row = self.db.one(
            "SELECT f.owner AS payer, t.owner AS payee FROM transfers"
            " JOIN accounts f ON f.id = transfers.from_account_id"
            " JOIN accounts t ON t.id = transfers.to_account_id WHERE transfers.id = ?",
            (str(value),),
        )
        return (row["payer"], row["payee"]) if row else None

    async def card(self, ctx: Context, value: Any) -> str | None:
        """The holder of a card reference."""
        row = self.db.one("SELECT owner FROM cards WHERE card_ref = ?", (str(value),))
        return row["owner"] if row else None

    async def webhook(self, ctx: Context, value: Any) -> str | None:
        """Who registered a webhook."""
        row = self.db.one("SELECT owner FROM webhooks WHERE id = ?", (str(value),))
        return row["owner"] if row else None


def _integer(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
