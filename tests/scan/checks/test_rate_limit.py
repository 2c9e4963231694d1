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


def _growing_app(sizes: dict[str, int]) -> FastAPI:
    """Two unthrottled reads whose answers are as long as ``sizes`` says at the time."""
    app = FastAPI()

    @app.get("/orders")
    def orders(user: User) -> list[dict[str, int]]:
        """Your orders."""
        return [{"id": i} for i in range(sizes["orders"])]

    @app.get("/account/summary")
    def summary(user: User) -> list[dict[str, int]]:
        """Your account's summary."""
        return [{"id": i} for i in range(sizes["summary"])]

    return app


def test_the_burst_target_does_not_move_when_answers_grow(serve: Callable[[Any], Any]) -> None:
    """Which read is burst does not depend on answer sizes, so a rescan reports the same operation."""
    sizes = {"orders": 1, "summary": 30}
    url = serve(_growing_app(sizes)).url
    ann = (token_user("ann", "t-ann"),)
    first = scan_only(url, [RateLimit()], ann)
    sizes["orders"], sizes["summary"] = 60, 1  # earlier scans left objects behind
    second = scan_only(url, [RateLimit()], ann)
    assert [f.operation for f in first.findings] == [f.operation for f in second.findings]
    assert [f.fingerprint for f in first.findings] == [f.fingerprint for f in second.findings]


def test_answers_that_change_during_the_burst_are_not_tested(serve: Callable[[Any], Any]) -> None:
    """An unthrottled read whose answers keep changing is inconclusive: skipped, not fixed."""
    app = FastAPI()
    calls = Counter[str]()

    @app.get("/feed")
    def feed(user: User) -> list[dict[str, int]]:
        """A feed that grows at every call."""
        calls["feed"] += 1
        return [{"n": i} for i in range(calls["feed"] * 40)]

    results = scan_only(serve(app).url, [RateLimit()], (token_user("ann", "t-ann"),))
    assert results.findings == []
    assert [s.check for s in results.skipped] == ["rate_limit"]
    assert ("rate_limit", None) not in results.ran
