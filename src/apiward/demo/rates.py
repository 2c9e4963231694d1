"""Exchange rates: public reference data."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from apiward.demo.deps import BankDep
from apiward.demo.models import Message, Rate

router = APIRouter(prefix="/api/v2/exchange-rates", tags=["reference"])

RATES = {"EUR": 1.0, "USD": 0.92, "GBP": 1.17, "CHF": 1.04, "JPY": 0.0061}


@router.get("/{currency}", responses={404: {"model": Message}})
async def rate(currency: str, bank: BankDep) -> Rate:
    """How many euros one unit of the currency is worth."""
    if bank.fixed and currency.upper() not in RATES:
        raise HTTPException(404, "unknown currency")
    # planted: stack-trace-in-errors (an unknown currency is a KeyError, and the vulnerable
    # error handler sends its traceback to the client)
    return Rate(currency=currency.upper(), rate_to_eur=RATES[currency.upper()])
