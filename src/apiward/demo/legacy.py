"""Version 1 of the API: deprecated in the contract, retired (410) in the fixed bank.

In the vulnerable bank it still answers, without any of version 2's checks.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse

from apiward.demo.deps import Bank, BankDep
from apiward.demo.models import Account, Message, User

router = APIRouter(prefix="/api/v1", tags=["legacy v1"], deprecated=True)

# The contract still says these need a token; the old code never asked for one.
_DOCUMENTED = {
    "openapi_extra": {"security": [{"HTTPBearer": []}]},
    "responses": {401: {"model": Message}, 404: {"model": Message}, 410: {"model": Message}},
}
_USER = (
    "SELECT id, username, email, full_name, password_hash, role, transfer_limit,"
    " referral_code, internal_notes FROM users WHERE username = ?"
)


def _retired(bank: Bank) -> None:
    if bank.fixed:
        raise HTTPException(410, "API v1 is retired; use /api/v2")


def _found(row: dict[str, Any] | None) -> JSONResponse:
    if row is None:
        raise HTTPException(404, "not found")
    return JSONResponse(row)


@router.get("/accounts/{account_id}", response_model=Account, **_DOCUMENTED)  # type: ignore[arg-type]
async def v1_account(account_id: int, bank: BankDep) -> Any:
    """An account (deprecated: use GET /api/v2/accounts/{account_id})."""
    _retired(bank)
    # planted: zombie-v1-account (no token, no ownership check)
    return _found(bank.db.one("SELECT * FROM accounts WHERE id = ?", (account_id,)))


@router.get("/users/{username}", response_model=User, **_DOCUMENTED)  # type: ignore[arg-type]
async def v1_user(username: str, bank: BankDep) -> Any:
    """A user's profile (deprecated: use GET /api/v2/me)."""
    _retired(bank)
    # planted: zombie-v1-user (anyone's profile, password hash included, without a token)
    return _found(bank.db.one(_USER, (username,)))
