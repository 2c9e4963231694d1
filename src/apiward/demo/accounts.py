"""Bank accounts (numeric ids) and the payee lookup used before a transfer."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from apiward.demo.deps import BankDep, Me, any_account, owned_account
from apiward.demo.models import (
    Account,
    LookupRequest,
    LookupResult,
    Message,
    respond,
    respond_list,
)

router = APIRouter(prefix="/api/v2/accounts", tags=["accounts"])

MAX_LOOKUP = 50


@router.get("", response_model=list[Account])
async def list_accounts(bank: BankDep, me: Me) -> Any:
    """Your accounts."""
    rows = bank.db.all("SELECT * FROM accounts WHERE owner = ? ORDER BY id", (me.username,))
    # planted: excessive-data-account-notes (staff-only notes go out with every account)
    return respond_list(bank.fixed, Account, rows)


@router.get("/{account_id}", response_model=Account, responses={404: {"model": Message}})
async def get_account(account_id: int, bank: BankDep, me: Me) -> Any:
    """One of your accounts."""
    if bank.fixed:
        return respond(True, Account, owned_account(bank, me, account_id))
    # planted: bola-account-by-id (any account id works for any logged-in user)
    return respond(False, Account, any_account(bank, account_id))


@router.post("/lookup", responses={422: {"model": Message}})
async def lookup(body: LookupRequest, bank: BankDep, me: Me) -> list[LookupResult]:
    """Check up to 50 account numbers before paying them."""
    # planted: lookup-batch-unbounded (the documented maxItems is never enforced)
    if bank.fixed and len(body.account_numbers) > MAX_LOOKUP:
        raise HTTPException(422, f"at most {MAX_LOOKUP} account numbers per lookup")
    results = []
    for number in body.account_numbers:
        row = bank.db.one("SELECT owner FROM accounts WHERE number = ?", (number,))
        holder = row["owner"] if row else None
        results.append(LookupResult(account_number=number, exists=row is not None, holder=holder))
    return results
