"""ssrf on tiny apps: a fetching query input, a stored callback pinged later, a naive filter; silent when nothing is fetched."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, HTTPException
from injection_support import found, scan_app
from pydantic import BaseModel

from apiward.scan import Results
from apiward.scan.checks.ssrf import Ssrf


class Subscription(BaseModel):
    """A callback to notify."""

    callback: str


async def _get(url: str) -> int:
    async with httpx.AsyncClient(trust_env=False, timeout=2) as client:
        try:
            return (await client.get(url)).status_code
        except httpx.HTTPError:
            return 0


def _fetching_app(*, blocklist: bool = False) -> FastAPI:
    app = FastAPI()
    store: dict[str, str] = {}

    @app.get("/preview")
    async def preview(feed: str) -> dict[str, Any]:
        if blocklist and "127.0.0.1" in feed:
            raise HTTPException(422, "internal address")
        return {"status": await _get(feed)}

    @app.post("/subscriptions", status_code=201)
    async def subscribe(body: Subscription) -> dict[str, str]:
        key = str(uuid.uuid4())
        store[key] = body.callback
        return {"subscription_id": key}

    @app.delete("/subscriptions/{subscription_id}", status_code=204)
    async def unsubscribe(subscription_id: str) -> None:
        # A default scan makes only what it can delete: a callback left stored would be pinged later.
        if store.pop(subscription_id, None) is None:
            raise HTTPException(404)

    @app.post("/subscriptions/{subscription_id}/ping")
    async def ping(subscription_id: str) -> dict[str, Any]:
        if subscription_id not in store:
            raise HTTPException(404)
        return {"status": await _get(store[subscription_id])}

    return app


def _inert_app() -> FastAPI:
    app = FastAPI()

    @app.get("/preview")
    async def preview(feed: str) -> dict[str, str]:
        return {"feed": feed}

    return app


@pytest.fixture(scope="module")
def fetching() -> Results:
    """A scan of the app that fetches what it is given."""
    return scan_app(_fetching_app(), [Ssrf(wait=0.5)])


def test_query_url_fetched_is_found(fetching: Results) -> None:
    """A query parameter named like a feed URL that the app fetches is a confirmed finding."""
    assert [f.key for f in found(fetching, "ssrf") if f.operation == "GET /preview"] == [
        "query:feed"
    ]


def test_stored_callback_found_through_its_trigger(fetching: Results) -> None:
    """A stored callback is found by calling the created object's ping operation."""
    finding = next(f for f in found(fetching, "ssrf") if f.operation == "POST /subscriptions")
    assert finding.key == "body:callback"
    assert finding.evidence[-1].request.url.endswith("/ping")


def test_filter_bypass_named_in_the_finding() -> None:
    """When 127.0.0.1 is refused literally, another spelling of loopback is tried and named."""
    results = scan_app(_fetching_app(blocklist=True), [Ssrf(wait=0.5)])
    finding = next(f for f in found(results, "ssrf") if f.operation == "GET /preview")
    assert "bypass" in finding.title


def test_silent_when_the_url_is_only_echoed() -> None:
    """An app that stores or echoes the URL but never fetches it is not flagged."""
    results = scan_app(_inert_app(), [Ssrf(wait=0.3)])
    assert results.findings == []
    assert results.errors == []
