"""The back office: staff list users, admins change roles."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from apiward.demo.deps import BankDep, Me, require_admin, require_staff
from apiward.demo.models import Message, RoleChange, User

router = APIRouter(prefix="/api/v2/admin", tags=["admin"])

_USERS = "SELECT username, email, full_name, role, transfer_limit, referral_code FROM users"


@router.get("/users", responses={403: {"model": Message}})
async def list_users(bank: BankDep, me: Me) -> list[User]:
    """Every user of the bank (support and admins)."""
    # planted: bfla-admin-list-users (any logged-in customer gets the list)
    if bank.fixed:
        require_staff(me)
    return [User.model_validate(row) for row in bank.db.all(f"{_USERS} ORDER BY id")]


@router.put("/users/{username}/role", responses={403: {"model": Message}, 404: {"model": Message}})
async def set_role(username: str, body: RoleChange, bank: BankDep, me: Me) -> User:
    """Give a user another role (admins only)."""
    # planted: bfla-admin-set-role (the role check is missing: customers promote themselves)
    if bank.fixed:
        require_admin(me)
    if not bank.db.run("UPDATE users SET role = ? WHERE username = ?", (body.role, username)):
        raise HTTPException(404, "user not found")
    row: dict[str, Any] | None = bank.db.one(f"{_USERS} WHERE username = ?", (username,))
    return User.model_validate(row)
