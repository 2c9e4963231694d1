"""The documented contract's schemas.

These are what /openapi.json promises. The vulnerable bank sometimes answers with
more than they declare (password hashes, card numbers, internal notes); the fixed
bank answers with exactly these.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

Role = Literal["customer", "support", "admin"]


class RegisterRequest(BaseModel):
    """A new customer's sign-up."""

    username: str = Field(min_length=3, max_length=32, pattern=r"^[a-z0-9_.-]+$")
    password: str = Field(min_length=8, max_length=128)
    email: str = Field(max_length=254)
    full_name: str = Field(default="", max_length=100)
    referral_code: str | None = Field(default=None, max_length=32)


class LoginRequest(BaseModel):
    """Username and password."""

    username: str = Field(max_length=64)
    password: str = Field(max_length=128)


class TokenResponse(BaseModel):
    """An access token and how to use it."""

    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_in: int


class User(BaseModel):
    """A user as the user (or staff) sees them."""

    username: str
    email: str
    full_name: str
    role: Role
    transfer_limit: float
    referral_code: str


class ProfileUpdate(BaseModel):
    """The profile fields a customer may change."""

    email: str | None = Field(default=None, max_length=254)
    full_name: str | None = Field(default=None, max_length=100)


class AvatarRequest(BaseModel):
    """Where to fetch a new profile picture from."""

    url: str = Field(max_length=2048, examples=["https://images.example/me.png"])


class Avatar(BaseModel):
    """The stored profile picture."""

    content_type: str
    size: int


class Account(BaseModel):
    """A bank account."""

    id: int
    owner: str
    number: str
    kind: Literal["checking", "savings"]
    currency: str
    balance: float


class LookupRequest(BaseModel):
    """Account numbers to check before paying them (at most 50)."""

    account_numbers: list[str] = Field(json_schema_extra={"maxItems": 50})


class LookupResult(BaseModel):
    """Whether an account number exists, and whose it is."""

    account_number: str
    exists: bool
    holder: str | None = None


class TransferRequest(BaseModel):
    """Money to move from one of your accounts to any account."""

    from_account_id: int
    to_account_id: int
    amount: float = Field(gt=0, le=1_000_000)
    memo: str = Field(default="", max_length=140)


class Transfer(BaseModel):
    """A transfer between two accounts."""

    id: str = Field(json_schema_extra={"format": "uuid"})
    from_account_id: int
    to_account_id: int
    amount: float
    currency: str
    memo: str
    status: str
    created_at: str


class Card(BaseModel):
    """A payment card, masked."""

    card_ref: str
    brand: str
    last4: str
    expires: str
    status: str


class StatementLine(BaseModel):
    """One line of an account statement."""

    transfer_id: str
    date: str
    amount: float
    memo: str


class StatementExportRequest(BaseModel):
    """Which account to export a statement file for."""

    account_id: int


class StatementFile(BaseModel):
    """A statement file ready to download."""

    file: str
    download_url: str


class ImportResult(BaseModel):
    """How many lines a statement import read."""

    imported: int


class WebhookRequest(BaseModel):
    """A URL the bank will POST events to."""

    url: str = Field(max_length=2048)
    event: Literal["transfer.completed", "card.used"] = "transfer.completed"


class Webhook(BaseModel):
    """A registered webhook."""

    id: str
    url: str
    event: str


class Delivery(BaseModel):
    """The outcome of a webhook test ping."""

    delivered: bool
    status_code: int | None = None


class PromoCode(BaseModel):
    """A promotional code."""

    code: str
    amount: float
    description: str


class RedeemRequest(BaseModel):
    """A promo code to redeem."""

    code: str = Field(max_length=32, examples=["WELCOME50"])


class Redeemed(BaseModel):
    """A redeemed promo code and the new balance."""

    code: str
    credited: float
    balance: float


class RoleChange(BaseModel):
    """A new role for a user."""

    role: Role


class PreviewRequest(BaseModel):
    """A notification text with placeholders such as {{ user.full_name }}."""

    template: str = Field(max_length=2000)


class Preview(BaseModel):
    """The notification as the customer would receive it."""

    rendered: str


class Rate(BaseModel):
    """An exchange rate against the euro."""

    currency: str
    rate_to_eur: float


class Message(BaseModel):
    """A short status message."""

    detail: str


def respond(fixed: bool, model: type[BaseModel], data: dict[str, Any]) -> Any:
    """Exactly the contract's fields when fixed; the whole database row otherwise."""
    if fixed:
        return model.model_validate(data)
    # The raw row bypasses response-model filtering: how the excessive-data-* flaws leak.
    return JSONResponse(data)


def respond_list(fixed: bool, model: type[BaseModel], rows: list[dict[str, Any]]) -> Any:
    """A list of rows, filtered through the contract's model when fixed."""
    if fixed:
        return [model.model_validate(row) for row in rows]
    return JSONResponse(rows)
