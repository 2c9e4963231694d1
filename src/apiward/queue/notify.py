"""Webhooks: a signed JSON message when a run makes a high finding new or brings one back.

The message is Slack-compatible (a ``text`` field) and structured (``api``, ``run`` and
``findings``, each with fingerprint, state, severity, check, operation and title).
Titles come from the store, which keeps them redacted: no secret goes out. Each POST
carries ``X-Apiward-Timestamp`` and ``X-Apiward-Signature: sha256=HEX``, the
HMAC-SHA256 of ``TIMESTAMP.BODY`` under the worker's webhook secret, so a receiver can
check who sent it and refuse a replay. A delivery is its own job on the queue: a
receiver that fails or is down gets it again with exponential backoff
(``apiward.queue.connection``), and the queue's database holds the body and the
webhook's index, never its URL (a Slack URL is a credential) nor the secret.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

from apiward.queue.connection import NOTIFY
from apiward.queue.settings import Settings
from apiward.store.records import Tracked

SIGNATURE = "X-Apiward-Signature"
TIMESTAMP = "X-Apiward-Timestamp"


def message(api: str, run_id: int, found: list[Tracked]) -> dict[str, Any]:
    """The webhook's JSON body for ``found``, the run's new and regressed findings."""
    lines = [
        f"• {f.severity.value} {f.check}: {f.operation or '-'}: {f.title} ({f.state.value})"
        for f in found
    ]
    text = f"apiward: {len(found)} new or regressed high/critical finding(s) in API {api} (run {run_id})"
    return {
        "text": "\n".join([text, *lines]),
        "api": api,
        "run": run_id,
        "findings": [
            {
                "fingerprint": f.fingerprint,
                "state": f.state.value,
                "severity": f.severity.value,
                "check": f.check,
                "operation": f.operation,
                "title": f.title,
            }
            for f in found
        ],
    }


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The ``X-Apiward-Signature`` value of ``body`` sent at ``timestamp``."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


async def announce(app: Any, settings: Settings, api: str, run_id: int) -> int:
    """Queue one delivery per webhook if run ``run_id`` has something to say; how many."""
    from procrastinate.exceptions import AlreadyEnqueued

    from apiward.store.alerts import alerts

    def read() -> list[Tracked]:
        with settings.engine.connect() as connection:
            return alerts(connection, run_id, today=datetime.now(UTC).date())

    found = await asyncio.to_thread(read)
    if not found:
        return 0
    body = json.dumps(message(api, run_id, found), sort_keys=True)
    for index in range(len(settings.webhooks)):
        task = app.configure_task(NOTIFY, queueing_lock=f"notify-{run_id}-{index}")
        with contextlib.suppress(AlreadyEnqueued):
            await task.defer_async(webhook=index, body=body)
    return len(settings.webhooks)


async def deliver(context: Any, webhook: int, body: str) -> None:
    """The ``apiward.notify`` task: POST ``body`` to the worker's webhook ``webhook``, signed.

    Any answer but 2xx, or no answer, raises: the queue retries with backoff.
    """
    import httpx

    settings: Settings = context.additional_context["apiward"]
    url = settings.webhooks[webhook]
    sent = body.encode()
    stamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", TIMESTAMP: stamp}
    headers[SIGNATURE] = signature(settings.secret or "", stamp, sent)
    async with httpx.AsyncClient(timeout=10.0, follow_redirects=False) as client:
        answer = await client.post(url, content=sent, headers=headers)
    answer.raise_for_status()
