"""Hooks the tests name by import path (``authz_hooks:owner``), owning a tiny fixed world."""

from __future__ import annotations

from typing import Any

from apiward.guard.context import Context

ACCOUNTS = {"1": "alice", "2": "bob"}


async def owner(ctx: Context, value: Any) -> str | None:
    """The holder of account ``value``, or None."""
    return ACCOUNTS.get(str(value))


class Accounts:
    """The same, as a class whose instances answer through ``owner``."""

    async def owner(self, ctx: Context, value: Any) -> str | None:
        """The holder of account ``value``, or None."""
        return ACCOUNTS.get(str(value))


def blocking_owner(ctx: Context, value: Any) -> str | None:
    """Not a coroutine: the guard refuses to start with it."""
    return ACCOUNTS.get(str(value))


async def roles(ctx: Context) -> list[str]:
    """Everyone named like an admin is one."""
    return ["admin"] if ctx.principal == "root" else ["customer"]
