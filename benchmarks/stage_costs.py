"""What each opt-in stage beyond the contract costs per request, in-process.

The same bare ASGI app and contract as guard_overhead.py (``tests/guard/contract.yaml``),
guarded with routing only, then with one stage switched on. Figures are process CPU
µs per request, best of rounds (the machine is shared; wall time would measure the
neighbours). Run: ``.venv/bin/python benchmarks/stage_costs.py``.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from apiward.guard import (
    AuditPolicy,
    CredentialFailuresPolicy,
    DeadlinePolicy,
    Guard,
    InjectionPolicy,
    Policy,
    RateLimitPolicy,
    ResponsePolicy,
    SsrfPolicy,
    TransportPolicy,
    ValidatePolicy,
)
from apiward.spec import load

ROOT = Path(__file__).resolve().parent.parent
CONTRACT = ROOT / "tests" / "guard" / "contract.yaml"
ITEM = b'{"id": 7, "name": "pen", "price": 1.5, "tags": ["a", "b"]}'
POST_BODY = (
    b'{"name": "pen", "price": 1.5, "tags": ["a", "b"], "homepage": "https://93.184.215.14/p"}'
)
OFF: dict[str, Any] = {
    "transport": TransportPolicy(enabled=False),
    "ratelimit": RateLimitPolicy(enabled=False),
    "validate": ValidatePolicy(enabled=False),
    "ssrf": SsrfPolicy(enabled=False),
    "response": ResponsePolicy(enabled=False),
    "audit": AuditPolicy(enabled=False),
}
VALIDATE = ValidatePolicy()


async def bare(scope: Any, receive: Any, send: Any) -> None:
    """The baseline: reads the body, answers a small JSON document."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    headers = [(b"content-type", b"application/json"), (b"content-length", b"58")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": ITEM})


def policies() -> dict[str, Policy]:
    """Routing only, then each new stage alone (and the cap against validation alone)."""
    return {
        "routing only": Policy(**OFF),
        "+ deadline": Policy(**OFF, deadline=DeadlinePolicy(enabled=True)),
        "+ credential_failures": Policy(
            **OFF, credential_failures=CredentialFailuresPolicy(enabled=True)
        ),
        "+ injection (parses the body)": Policy(**OFF, injection=InjectionPolicy(enabled=True)),
        "+ validate": Policy(**{**OFF, "validate": VALIDATE}),
        "+ validate, max_string_length": Policy(
            **{**OFF, "validate": ValidatePolicy(max_string_length=4096)}
        ),
        "+ validate, injection": Policy(
            **{**OFF, "validate": VALIDATE}, injection=InjectionPolicy(enabled=True)
        ),
    }


def _scope(method: str, path: str, body: bytes) -> dict[str, Any]:
    headers = [(b"host", b"bench"), (b"accept", b"*/*")]
    if body:
        headers += [(b"content-type", b"application/json"), (b"content-length", b"91")]
    return {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 80),
    }


async def _cpu_per_request(app: Any, method: str, path: str, body: bytes, n: int) -> float:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    best = float("inf")
    for _ in range(7):
        started = time.process_time()
        for _ in range(n):
            await app(_scope(method, path, body), receive, send)
        best = min(best, time.process_time() - started)
    return best / n * 1e6


def main(n: int = 3000) -> None:
    """Print CPU µs per request for each policy, GET and POST, and the difference to routing."""
    api = load(CONTRACT)
    guards = {name: Guard(bare, policy=p, api=api) for name, p in policies().items()}
    for label, method, path, body in (
        ("GET /items/7", "GET", "/items/7", b""),
        ("POST /items (91 B JSON)", "POST", "/items", POST_BODY),
    ):
        print(f"\n{label}: process CPU µs per request (best of 7 × {n})")
        times = {
            name: asyncio.run(_cpu_per_request(g, method, path, body, n))
            for name, g in guards.items()
        }
        for name, value in times.items():
            base = times["+ validate"] if name.startswith("+ validate,") else times["routing only"]
            print(f"  {name:<32} {value:7.1f} µs   {value - base:+6.1f} µs")


if __name__ == "__main__":
    main()
