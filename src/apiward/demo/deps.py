"""What every route depends on: the bank it belongs to and the caller's identity."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from apiward.demo.db import Database, Row
from apiward.demo.throttle import LoginThrottle
from apiward.demo.tokens import InvalidTokenError, TokenService


@dataclass(frozen=True, slots=True, kw_only=True)
class Bank:
    """One demo bank: its mode, storage and secrets, decided when the app is created."""

    fixed: bool
    db: Database
    tokens: TokenService
    data_dir: Path
    # Shown by template previews; a leak of it is what template injection looks like.
    webhook_signing_secret: str
    throttle: LoginThrottle = field(default_factory=LoginThrottle)

    @property
    def statements_dir(self) -> Path:
        """Where exported statement files are written, one folder per user."""
        return self.data_dir / "statements"


@dataclass(frozen=True, slots=True)
class Principal:
    """The authenticated caller."""

    username: str
    role: str

    @property
    def is_staff(self) -> bool:
        """Support and admin users may look at any customer's data."""
        return self.role in {"support", "admin"}


bearer = HTTPBearer(
    auto_error=False, bearerFormat="JWT", description="A JWT from POST /api/v2/auth/login"
)


def get_bank(request: Request) -> Bank:
    """The bank this request was sent to."""
    bank: Bank = request.app.state.bank
    return bank


BankDep = Annotated[Bank, Depends(get_bank)]


def _token(bank: Bank, request: Request, credentials: HTTPAuthorizationCredentials | None) -> str:
    if credentials is not None:
        return credentials.credentials
    # planted: token-in-query-string
    if not bank.fixed and "access_token" in request.query_params:
        return request.query_params["access_token"]
    raise HTTPException(401, "authentication required", headers={"WWW-Authenticate": "Bearer"})


def current_user(
    bank: BankDep,
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """The caller named by a valid access token, or 401."""
    try:
        claims = bank.tokens.verify(_token(bank, request, credentials))
    except InvalidTokenError as error:
        raise HTTPException(401, "invalid token", headers={"WWW-Authenticate": "Bearer"}) from error
    row = bank.db.one("SELECT username, role FROM users WHERE username = ?", (claims.get("sub"),))
    if row is None:
        raise HTTPException(401, "invalid token", headers={"WWW-Authenticate": "Bearer"})
    return Principal(row["username"], row["role"])


Me = Annotated[Principal, Depends(current_user)]


def require_staff(me: Principal) -> None:
    """Refuse callers who are neither support nor admin."""
    if not me.is_staff:
        raise HTTPException(403, "staff only")


def require_admin(me: Principal) -> None:
    """Refuse callers who are not admins."""
    if me.role != "admin":
        raise HTTPException(403, "admins only")


def owned_account(bank: Bank, me: Principal, account_id: int) -> Row:
    """An account the caller may see (their own, or any for staff), or 404."""
    row = bank.db.one("SELECT * FROM accounts WHERE id = ?", (account_id,))
    if row is None or (row["owner"] != me.username and not me.is_staff):
        raise HTTPException(404, "account not found")
    return row


def any_account(bank: Bank, account_id: int) -> Row:
    """An account by id regardless of owner, or 404."""
    row = bank.db.one("SELECT * FROM accounts WHERE id = ?", (account_id,))
    if row is None:
        raise HTTPException(404, "account not found")
    return row
