"""Sign-up and log-in: JSON login, the OAuth2 password grant (form body), registration."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Request

from apiward.demo.deps import Bank, BankDep
from apiward.demo.models import LoginRequest, Message, RegisterRequest, TokenResponse, User
from apiward.demo.promos import credit_referral
from apiward.demo.tokens import TOKEN_TTL, check_password, hash_password

router = APIRouter(prefix="/api/v2/auth", tags=["auth"])

_UNIFORM = "invalid username or password"
_USER_COLUMNS = {"role", "transfer_limit", "internal_notes"}
_PROFILE = "SELECT username, email, full_name, role, transfer_limit, referral_code FROM users"


def _login(bank: Bank, username: str, password: str) -> TokenResponse:
    if bank.fixed and bank.throttle.locked(username):
        raise HTTPException(
            429, "too many failed logins, try later", headers={"Retry-After": "900"}
        )
    row = bank.db.one("SELECT password_hash FROM users WHERE username = ?", (username,))
    if row is None:
        # planted: login-user-enumeration
        if not bank.fixed:
            raise HTTPException(404, f"no user named {username!r}")
        bank.throttle.failed(username)
        raise HTTPException(401, _UNIFORM)
    if not check_password(password, row["password_hash"]):
        # planted: login-no-brute-force-protection (failures are only counted when fixed)
        if not bank.fixed:
            raise HTTPException(401, "wrong password")
        bank.throttle.failed(username)
        raise HTTPException(401, _UNIFORM)
    bank.throttle.succeeded(username)
    return TokenResponse(access_token=bank.tokens.issue(username), expires_in=TOKEN_TTL)


@router.post("/login", responses={401: {"model": Message}, 429: {"model": Message}})
async def login(body: LoginRequest, bank: BankDep) -> TokenResponse:
    """Exchange a username and password for an access token."""
    return _login(bank, body.username, body.password)


@router.post("/token", responses={401: {"model": Message}, 429: {"model": Message}})
async def token(
    bank: BankDep,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=128)],
    grant_type: Annotated[str, Form(pattern="^password$")] = "password",
) -> TokenResponse:
    """OAuth2 resource-owner password grant (form body), for tools that speak OAuth2."""
    return _login(bank, username, password)


@router.post("/register", status_code=201, responses={409: {"model": Message}})
async def register(body: RegisterRequest, bank: BankDep, request: Request) -> User:
    """Open a customer profile with a checking account; a referral code credits the referrer."""
    if bank.db.one("SELECT 1 FROM users WHERE username = ?", (body.username,)):
        raise HTTPException(409, "username taken")
    record: dict[str, Any] = {
        "username": body.username,
        "email": body.email,
        "full_name": body.full_name or body.username,
        "password_hash": hash_password(body.password),
        "referral_code": f"REF-{body.username.upper()}-{secrets.token_hex(2)}",
    }
    if not bank.fixed:
        # planted: mass-assignment-register-role (every extra JSON field becomes a column)
        extra = await request.json()
        record |= {key: value for key, value in extra.items() if key in _USER_COLUMNS}
    columns = sorted(record)
    bank.db.run(
        f"INSERT INTO users ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
        [record[key] for key in columns],
    )
    _open_checking(bank, body.username)
    if body.referral_code:
        credit_referral(bank, body.referral_code, body.username)
    return User.model_validate(bank.db.one(f"{_PROFILE} WHERE username = ?", (body.username,)))


def _open_checking(bank: Bank, username: str) -> None:
    row = bank.db.one("SELECT MAX(id) AS last FROM accounts")
    account_id = (row["last"] if row else 1000) + 1
    bank.db.run(
        "INSERT INTO accounts (id, owner, number, kind, currency, balance) VALUES (?,?,?,?,?,?)",
        (account_id, username, f"DE89 3704 0044 {account_id:04d} 99N0", "checking", "EUR", 0.0),
    )
