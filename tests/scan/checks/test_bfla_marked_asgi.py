"""bfla on reads marked by a tag only: a refunds desk written as a raw ASGI callable.

Customers ask for refunds; agents work the queue. The ``Back-office`` tag is the only
word in the contract that says whose the operations are: no path segment, no sentence,
no 403. The flawed desk hands a customer the whole queue (every customer's refund with
the card it goes back to), as it hands an agent: medium, but only tentative, since a tag
may name a section of the API rather than a rule. Under the same tag, the inbox answers
each caller with its own messages and the queue's counters are all zero: neither is a
finding. The twin refuses customers the queue.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import pytest
from ownership_support import scan_app

from apiward.core.findings import Confidence, Severity
from apiward.scan import Identity
from apiward.scan.checks.bfla import Bfla

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

SESSIONS = {"s-uma": ("uma", "customer"), "s-ned": ("ned", "customer"), "s-vik": ("vik", "agent")}
QUEUE = [
    {"ref": "RF-88121", "order": "ORD-5512", "amount_cents": 4599, "card": "visa-0451"},
    {"ref": "RF-88122", "order": "ORD-5530", "amount_cents": 1250, "card": "amex-3007"},
]
INBOX = {
    "uma": [{"from": "desk", "text": "We received your request RF-1"}],
    "ned": [{"from": "desk", "text": "Your refund RF-2 is on its way"}],
    "vik": [{"from": "lead", "text": "Queue review at 3pm"}, {"from": "desk", "text": "hi"}],
}
_ANY = {"content": {"application/json": {"schema": {}}}}
_OFFICE = ["Back-office"]
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "refunds desk", "version": "3"},
    "components": {"securitySchemes": {"sid": {"type": "apiKey", "in": "cookie", "name": "sid"}}},
    "security": [{"sid": []}],
    "paths": {
        "/v2/refunds/queue": {
            "get": {"tags": _OFFICE, "responses": {"200": {"description": "open", **_ANY}}}
        },
        "/v2/refunds/queue/stats": {
            "get": {"tags": _OFFICE, "responses": {"200": {"description": "counters", **_ANY}}}
        },
        "/v2/inbox": {
            "get": {"tags": _OFFICE, "responses": {"200": {"description": "messages", **_ANY}}}
        },
    },
}


def desk(*, checks_role: bool) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    """The desk as one ASGI callable; ``checks_role`` keeps the queue for agents."""

    async def reply(send: Send, status: int, body: Any) -> None:
        raw = json.dumps(body).encode()
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(raw)).encode()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": raw})

    def caller(scope: Scope) -> tuple[str, str] | None:
        cookies = dict(scope["headers"]).get(b"cookie", b"").decode()
        for part in cookies.split(";"):
            name, _, value = part.strip().partition("=")
            if name == "sid":
                return SESSIONS.get(value)
        return None

    def answer(path: str, who: tuple[str, str] | None) -> tuple[int, Any]:
        if path == "/openapi.json":
            return 200, CONTRACT
        if path not in {"/v2/refunds/queue", "/v2/refunds/queue/stats", "/v2/inbox"}:
            return 404, {"error": {"code": "route_not_found"}}
        if who is None:
            return 401, {"error": {"code": "session_required"}}
        if path == "/v2/inbox":
            return 200, {"messages": INBOX[who[0]]}
        if path == "/v2/refunds/queue/stats":
            return 200, {"open": 0, "escalated": 0}
        if checks_role and who[1] != "agent":
            return 403, {"error": {"code": "agents_only"}}
        return 200, {"queue": QUEUE}

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await reply(send, *answer(scope["path"], caller(scope)))

    return app


def _people() -> tuple[Identity, ...]:
    def cookie(name: str) -> dict[str, str]:
        return {"Cookie": f"sid=s-{name}"}

    return (
        Identity(name="uma", role="customer", headers=cookie("uma")),
        Identity(name="ned", role="customer", headers=cookie("ned")),
        Identity(name="vik", role="agent", rank=10, headers=cookie("vik")),
    )


@pytest.mark.parametrize("checks_role", [False, True], ids=["flawed", "fixed"])
def test_a_customer_reading_the_back_office_queue_is_a_tentative_finding(
    serve: Callable[..., Any], checks_role: bool
) -> None:
    """A tag alone marks it: medium and tentative on the queue, nothing on the inbox or counters."""
    server = serve(desk(checks_role=checks_role))
    results = scan_app(server.url, Bfla(), _people())
    assert results.errors == []
    found = {f.operation: f for f in results.findings if f.check == "bfla"}
    if checks_role:
        assert found == {}
        return
    assert set(found) == {"GET /v2/refunds/queue"}
    finding = found["GET /v2/refunds/queue"]
    assert (finding.severity, finding.confidence) == (Severity.MEDIUM, Confidence.TENTATIVE)
    assert "its tag 'Back-office'" in finding.detail
