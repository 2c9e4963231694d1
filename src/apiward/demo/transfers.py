"""Transfers between accounts (UUID ids), their history and a text search over it."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query

from apiward.demo.deps import Bank, BankDep, Me, Principal, any_account
from apiward.demo.models import Message, Transfer, TransferRequest

router = APIRouter(prefix="/api/v2/transfers", tags=["transfers"])

MAX_PAGE = 100
_MINE = (
    "(from_account_id IN (SELECT id FROM accounts WHERE owner = :me)"
    " OR to_account_id IN (SELECT id FROM accounts WHERE owner = :me))"
)


@router.get("", responses={422: {"model": Message}})
async def list_transfers(
    bank: BankDep,
    me: Me,
    limit: Annotated[int, Query(ge=1, json_schema_extra={"maximum": MAX_PAGE})] = 20,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[Transfer]:
    """Your transfers, newest first, a page at a time (at most 100 per page)."""
    # planted: transfers-page-size-unbounded (the documented maximum is never enforced)
    if bank.fixed and limit > MAX_PAGE:
        raise HTTPException(422, f"limit must be at most {MAX_PAGE}")
    rows = bank.db.all(
        f"SELECT * FROM transfers WHERE {_MINE} ORDER BY created_at DESC, id"
        " LIMIT :limit OFFSET :offset",
        {"me": me.username, "limit": limit, "offset": offset},
    )
    return [Transfer.model_validate(row) for row in rows]


@router.get("/search")
async def search_transfers(
    bank: BankDep, me: Me, q: Annotated[str, Query(max_length=100)]
) -> list[Transfer]:
    """Your transfers whose memo contains the text."""
    if bank.fixed:
        rows = bank.db.all(
            f"SELECT * FROM transfers WHERE {_MINE} AND memo LIKE :pattern ORDER BY created_at",
            {"me": me.username, "pattern": f"%{q}%"},
        )
    else:
        # planted: sqli-transfer-search (the text is pasted into the SQL)
        mine = _MINE.replace(":me", f"'{me.username}'")
        rows = bank.db.all(
            f"SELECT * FROM transfers WHERE {mine} AND memo LIKE '%{q}%' ORDER BY created_at"
        )
    return [Transfer.model_validate(row) for row in rows]


@router.post("", status_code=201, responses={404: {"model": Message}, 409: {"model": Message}})
async def create_transfer(body: TransferRequest, bank: BankDep, me: Me) -> Transfer:
    """Send money from one of your accounts."""
    source = any_account(bank, body.from_account_id)
    # planted: bola-transfer-from-foreign-account (the body's source account is trusted)
    if bank.fixed and source["owner"] != me.username:
        raise HTTPException(404, "account not found")
    any_account(bank, body.to_account_id)
    _check_funds(bank, me, source, body.amount)
    transfer = {
        "id": str(uuid.uuid4()),
        "from_account_id": body.from_account_id,
        "to_account_id": body.to_account_id,
        "amount": body.amount,
        "currency": source["currency"],
        "memo": body.memo,
        "status": "completed",
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    bank.db.run(
        "INSERT INTO transfers VALUES (:id, :from_account_id, :to_account_id, :amount,"
        " :currency, :memo, :status, :created_at)",
        transfer,
    )
    bank.db.run(
        "UPDATE accounts SET balance = balance - ? WHERE id = ?", (body.amount, source["id"])
    )
    bank.db.run(
        "UPDATE accounts SET balance = balance + ? WHERE id = ?", (body.amount, body.to_account_id)
    )
    return Transfer.model_validate(transfer)


def _check_funds(bank: Bank, me: Principal, source: dict[str, Any], amount: float) -> None:
    user = bank.db.one("SELECT transfer_limit FROM users WHERE username = ?", (me.username,))
    if user is None or amount > user["transfer_limit"]:
        raise HTTPException(409, "amount exceeds your transfer limit")
    if amount > source["balance"]:
        raise HTTPException(409, "insufficient funds")


@router.get("/{transfer_id}", responses={404: {"model": Message}})
async def get_transfer(transfer_id: uuid.UUID, bank: BankDep, me: Me) -> Transfer:
    """One of your transfers."""
    row = bank.db.one("SELECT * FROM transfers WHERE id = ?", (str(transfer_id),))
    if row is None:
        raise HTTPException(404, "transfer not found")
    # planted: bola-transfer-by-uuid (unguessable ids are treated as authorization)
    if bank.fixed and not me.is_staff:
        owners = bank.db.all(
            "SELECT owner FROM accounts WHERE id IN (?, ?)",
            (row["from_account_id"], row["to_account_id"]),
        )
        if me.username not in {owner["owner"] for owner in owners}:
            raise HTTPException(404, "transfer not found")
    return Transfer.model_validate(row)
