"""negative_amount on money typed ``Decimal`` in a Pydantic model: ``anyOf: [number, string]``.

FastAPI and Django Ninja write a ``Decimal`` field as ``anyOf`` a number and a string
(``Optional[Decimal]`` adds a ``null``), with no ``type`` of its own; the Ninja trial's
payments went untested because of it. A wallet written the FastAPI way: a withdrawal
(``POST /withdrawals``) takes ``amount: Decimal`` and answers the balance left; a
cancelled one (``DELETE``) is refunded. The flawed wallet pays out ``-25.00`` as a
deposit; the fixed one has ``Field(gt=0)``.
"""

import itertools
from decimal import Decimal
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from tiny_support import TOKENS, scan_app

from apiward.core.findings import Severity
from apiward.scan.checks.negative_amount import NegativeAmount

START = Decimal("500.00")


def _wallet(*, flawed: bool, balances: dict[str, Decimal]) -> FastAPI:
    app = FastAPI(title="wallet")
    bearer = HTTPBearer()
    withdrawals: dict[int, dict[str, Any]] = {}
    serial = itertools.count(1)

    class Withdrawal(BaseModel):
        amount: Decimal = Field(gt=None if flawed else 0, max_digits=9, decimal_places=2)
        reference: str | None = Field(default=None, max_length=40)

    def user(creds: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]) -> str:
        who = TOKENS.get(f"Bearer {creds.credentials}")
        if who is None:
            raise HTTPException(status_code=401, detail="Not authenticated")
        return who

    Caller = Annotated[str, Depends(user)]  # noqa: N806 — a type alias, as FastAPI documents it

    @app.post("/withdrawals", status_code=201)
    def withdraw(body: Withdrawal, who: Caller) -> dict[str, Any]:
        if body.amount > balances[who]:
            raise HTTPException(status_code=402, detail="Insufficient funds")
        balances[who] -= body.amount
        made = {"id": next(serial), "owner": who, **body.model_dump()}
        withdrawals[made["id"]] = made
        return {**made, "balance": balances[who]}

    @app.get("/withdrawals/{withdrawal_id}")
    def one(withdrawal_id: int, who: Caller) -> dict[str, Any]:
        found = withdrawals.get(withdrawal_id)
        if found is None or found["owner"] != who:
            raise HTTPException(status_code=404, detail="Not Found")
        return found

    @app.delete("/withdrawals/{withdrawal_id}", status_code=204)
    def cancel(withdrawal_id: int, who: Caller) -> None:
        found = withdrawals.get(withdrawal_id)
        if found is None or found["owner"] != who:
            raise HTTPException(status_code=404, detail="Not Found")
        balances[who] += found["amount"]
        del withdrawals[withdrawal_id]

    return app


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_a_negative_decimal_withdrawal_is_found_on_the_flawed_wallet_only(flawed: bool) -> None:
    """``-amount`` paid out is a high finding; refused (422), none. Every balance ends where it began."""
    balances = {"alice": START, "bob": START}
    results = scan_app(_wallet(flawed=flawed, balances=balances), [NegativeAmount()])
    assert results.errors == []
    found = [f for f in results.findings if f.check == "negative_amount"]
    assert balances == {"alice": START, "bob": START}
    if not flawed:
        assert not found, found
        skipped = {s.operation for s in results.skipped if s.check == "negative_amount"}
        assert "POST /withdrawals" not in skipped, results.skipped
        return
    assert [(f.operation, f.severity) for f in found] == [("POST /withdrawals", Severity.HIGH)]
