"""rate_limit on tiny apps: no limit at all, a limit keyed on X-Forwarded-For, a limit per token."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from limits_support import scan_only, token_user

from apiward.scan import Results
from apiward.scan.checks.rate_limit import BURST, RateLimit

_BEARER = HTTPBearer()
LIMIT = 10


def _me(creds: Annotated[HTTPAuthorizationCredentials, Depends(_BEARER)]) -> str:
    if creds.credentials != "t-ann":
        raise HTTPException(401)
    return "ann"


User = Annotated[str, Depends(_me)]


def _app(key: str) -> FastAPI:
    """``key``: what the limit counts by — "none", "forwarded" (client-set) or "token"."""
    app = FastAPI()
    seen: Counter[str] = Counter()

    @app.get("/orders")
    def orders(user: User) -> list[dict[str, int]]:
        """Your orders."""
        return [{"id": 1}]

    @app.middleware("http")
    async def limit(request: Request, call_next: Callable[[Request], Any]) -> Any:
        client = request.client.host if request.client else ""
        if key == "forwarded":
            client = request.headers.get("x-forwarded-for", client)
        elif key == "token":
            client = request.headers.get("authorization", client)
        if key != "none" and request.url.path == "/orders":
            seen[client] += 1
            if seen[client] > LIMIT:
                return JSONResponse({"detail": "slow down"}, status_code=429)
        return await call_next(request)

    return app


def _scan(serve: Callable[[Any], Any], key: str) -> Results:
    results = scan_only(serve(_app(key)).url, [RateLimit()], (token_user("ann", "t-ann"),))
    assert results.errors == []
    return results


@pytest.mark.parametrize(
    ("key", "expected"),
    [("none", {"low"}), ("forwarded", {"high"}), ("token", set())],
    ids=["unlimited-is-low", "xff-keyed-is-bypassed", "token-keyed-is-fine"],
)
def test_burst_and_bypass(serve: Callable[[Any], Any], key: str, expected: set[str]) -> None:
    """No limit → one low finding; a limit X-Forwarded-For lifts → high; a limit per token → none."""
    results = _scan(serve, key)
    assert {f.severity.value for f in results.findings} == expected


def test_burst_is_bounded(serve: Callable[[Any], Any]) -> None:
    """An unlimited API gets one burst per representative read and nothing more."""
    results = _scan(serve, "none")
    assert int(results.stats["requests"]) <= BURST + 5
