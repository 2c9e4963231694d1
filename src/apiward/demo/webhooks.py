"""Webhooks: URLs the bank calls when something happens on a customer's accounts."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from fastapi import APIRouter, HTTPException

from apiward.demo import outbound
from apiward.demo.deps import BankDep, Me
from apiward.demo.models import Delivery, Message, Webhook, WebhookRequest

router = APIRouter(prefix="/api/v2/webhooks", tags=["webhooks"])


@router.post("", status_code=201, responses={422: {"model": Message}})
async def create_webhook(body: WebhookRequest, bank: BankDep, me: Me) -> Webhook:
    """Register a URL to be called on an event."""
    if bank.fixed:
        await outbound.check_public(body.url)
    webhook = Webhook(id=f"wh_{secrets.token_hex(6)}", url=body.url, event=body.event)
    bank.db.run(
        "INSERT INTO webhooks VALUES (?, ?, ?, ?)",
        (webhook.id, me.username, webhook.url, webhook.event),
    )
    return webhook


@router.get("")
async def list_webhooks(bank: BankDep, me: Me) -> list[Webhook]:
    """Your webhooks."""
    rows = bank.db.all("SELECT * FROM webhooks WHERE owner = ? ORDER BY id", (me.username,))
    return [Webhook.model_validate(row) for row in rows]


@router.post(
    "/{webhook_id}/test",
    responses={404: {"model": Message}, 422: {"model": Message}, 502: {"model": Message}},
)
async def test_webhook(webhook_id: str, bank: BankDep, me: Me) -> Delivery:
    """Send a signed test event to the webhook's URL now."""
    row = bank.db.one(
        "SELECT * FROM webhooks WHERE id = ? AND owner = ?", (webhook_id, me.username)
    )
    if row is None:
        raise HTTPException(404, "webhook not found")
    event: dict[str, object] = {"type": "ping", "webhook_id": webhook_id}
    signature = hmac.new(
        bank.webhook_signing_secret.encode(), json.dumps(event).encode(), hashlib.sha256
    ).hexdigest()
    event["signature"] = signature
    # planted: ssrf-webhook-test (the stored URL is called wherever it points, unless fixed)
    response = await outbound.post_json(bank.fixed, row["url"], event)
    return Delivery(delivered=response.is_success, status_code=response.status_code)
