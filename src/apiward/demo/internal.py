"""Endpoints nobody documented: left in the vulnerable bank, absent from the fixed one.

None of them is in /openapi.json; only traffic (or a guess) reveals them.
"""

from __future__ import annotations

import csv
import io
import sys

from fastapi import APIRouter
from fastapi.responses import PlainTextResponse

from apiward.demo.deps import BankDep
from apiward.demo.tokens import WEAK_SECRET

router = APIRouter(include_in_schema=False)


# planted: debug-config-exposed
@router.get("/api/v2/debug/config")
async def debug_config(bank: BankDep) -> dict[str, object]:
    """The running configuration, secrets included."""
    return {
        "debug": True,
        "database": str(bank.db.path),
        "data_dir": str(bank.data_dir),
        "jwt_secret": WEAK_SECRET,
        "webhook_signing_secret": bank.webhook_signing_secret,
        "python": sys.version,
    }


# planted: shadow-internal-user-export
@router.get("/api/v2/internal/users/export", response_class=PlainTextResponse)
async def export_users(bank: BankDep) -> str:
    """Every user as CSV, for a migration script that was never removed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["username", "email", "role", "password_hash"])
    for row in bank.db.all("SELECT username, email, role, password_hash FROM users ORDER BY id"):
        writer.writerow(row.values())
    return buffer.getvalue()
