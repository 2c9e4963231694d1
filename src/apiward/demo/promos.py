"""Promo codes and referral bonuses: the business flows the bank pays money out through."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response

from apiward.demo.deps import Bank, BankDep, Me, require_admin
from apiward.demo.models import Message, PromoCode, Redeemed, RedeemRequest

router = APIRouter(prefix="/api/v2/promo-codes", tags=["promotions"])

REFERRAL_BONUS = 25.0
MAX_REFERRAL_BONUSES = 3


def _credit(bank: Bank, username: str, amount: float) -> float:
    """Pay into the user's first checking account; returns its new balance."""
    account = bank.db.one(
        "SELECT id FROM accounts WHERE owner = ? AND kind = 'checking' ORDER BY id", (username,)
    )
    if account is None:
        raise HTTPException(409, "no checking account to credit")
    bank.db.run("UPDATE accounts SET balance = balance + ? WHERE id = ?", (amount, account["id"]))
    row = bank.db.one("SELECT balance FROM accounts WHERE id = ?", (account["id"],))
    return float(row["balance"]) if row else 0.0


def credit_referral(bank: Bank, code: str, new_user: str) -> None:
    """Pay the referrer's bonus for a new sign-up that used their referral code."""
    referrer = bank.db.one("SELECT username FROM users WHERE referral_code = ?", (code,))
    if referrer is None or referrer["username"] == new_user:
        return
    bank.db.run("UPDATE users SET referred_by = ? WHERE username = ?", (code, new_user))
    if bank.fixed:
        paid = bank.db.one("SELECT COUNT(*) AS n FROM users WHERE referred_by = ?", (code,))
        if paid and paid["n"] > MAX_REFERRAL_BONUSES:
            return
    # planted: referral-bonus-unlimited (scripted sign-ups each pay the referrer)
    _credit(bank, referrer["username"], REFERRAL_BONUS)


@router.get("/{code}", responses={404: {"model": Message}})
async def show_code(code: str, bank: BankDep, me: Me) -> PromoCode:
    """What a promo code is worth."""
    row = bank.db.one("SELECT * FROM promo_codes WHERE code = ?", (code,))
    if row is None:
        raise HTTPException(404, "no such promo code")
    return PromoCode.model_validate(row)


@router.delete("/{code}", status_code=204, responses={403: {"model": Message}})
async def delete_code(code: str, bank: BankDep, me: Me) -> Response:
    """End a campaign (admins only)."""
    # planted: bfla-delete-promo-code (GET is for everyone, DELETE forgot the role check)
    if bank.fixed:
        require_admin(me)
    if not bank.db.run("DELETE FROM promo_codes WHERE code = ?", (code,)):
        raise HTTPException(404, "no such promo code")
    return Response(status_code=204)


@router.post("/redeem", responses={404: {"model": Message}, 409: {"model": Message}})
async def redeem(body: RedeemRequest, bank: BankDep, me: Me) -> Redeemed:
    """Credit a promo code's amount to your checking account, once per customer."""
    row = bank.db.one("SELECT * FROM promo_codes WHERE code = ?", (body.code,))
    if row is None:
        raise HTTPException(404, "no such promo code")
    used = bank.db.one(
        "SELECT 1 FROM redemptions WHERE code = ? AND username = ?", (body.code, me.username)
    )
    # planted: promo-code-reuse (the redemption is recorded but never checked)
    if used and bank.fixed:
        raise HTTPException(409, "promo code already redeemed")
    bank.db.run("INSERT INTO redemptions VALUES (?, ?)", (body.code, me.username))
    balance = _credit(bank, me.username, row["amount"])
    return Redeemed(code=body.code, credited=row["amount"], balance=balance)
