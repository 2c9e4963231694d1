"""Payment cards, named by a readable reference such as ``alice-visa``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from apiward.demo.db import Row
from apiward.demo.deps import BankDep, Me
from apiward.demo.models import Card, Message, respond, respond_list

router = APIRouter(prefix="/api/v2/cards", tags=["cards"])


def _with_last4(row: Row) -> Row:
    return {**row, "last4": row["number"][-4:]}


@router.get("", response_model=list[Card])
async def list_cards(bank: BankDep, me: Me) -> Any:
    """Your cards, masked."""
    rows = bank.db.all("SELECT * FROM cards WHERE owner = ? ORDER BY card_ref", (me.username,))
    # planted: excessive-data-card-number (full number and CVV next to the masked last4)
    return respond_list(bank.fixed, Card, [_with_last4(row) for row in rows])


@router.get("/{card_ref}", response_model=Card, responses={404: {"model": Message}})
async def get_card(card_ref: str, bank: BankDep, me: Me) -> Any:
    """One of your cards, masked."""
    row = bank.db.one("SELECT * FROM cards WHERE card_ref = ?", (card_ref,))
    # planted: bola-card-by-name (a guessable name is the only key)
    if row is None or (bank.fixed and row["owner"] != me.username and not me.is_staff):
        raise HTTPException(404, "card not found")
    return respond(bank.fixed, Card, _with_last4(row))
