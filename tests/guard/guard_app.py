"""A small raw-ASGI app the guard is tested in front of: it echoes what reached it."""

from __future__ import annotations

import json
from typing import Any

BIG = b"x" * (1 << 20)


async def _body(receive: Any) -> bytes:
    chunks = []
    more = True
    while more:
        message = await receive()
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    return b"".join(chunks)


async def _json(
    send: Any, status: int, document: Any, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps(document).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"application/json"), *(headers or [])],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def echo_app(scope: Any, receive: Any, send: Any) -> None:
    """Answers every request with what it saw, plus fields the contract does not declare."""
    if scope["type"] != "http":
        return
    body = await _body(receive)
    path = scope["path"]
    if path == "/boom":
        await _json(
            send,
            500,
            {
                "detail": "KeyError",
                "traceback": 'Traceback (most recent call last):\n  File "/srv/app.py"',
            },
        )
        return
    if path == "/download":
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/octet-stream")],
            }
        )
        for start in range(0, len(BIG), 65536):
            await send(
                {
                    "type": "http.response.body",
                    "body": BIG[start : start + 65536],
                    "more_body": True,
                }
            )
        await send({"type": "http.response.body", "body": b""})
        return
    item = {"id": 7, "name": "pen", "price": 1.5, "secret_cost": 0.2, "tags": ["a"]}
    reflect = [(b"access-control-allow-origin", b"*"), (b"x-content-type-options", b"sniff-away")]
    seen = {
        "path": path,
        "query": scope.get("query_string", b"").decode(),
        "body": body.decode("latin-1"),
        "client": scope["client"][0] if scope.get("client") else None,
    }
    if path == "/items" and scope["method"] == "GET":
        await _json(send, 200, [item, {**item, "id": 8}], reflect)
    elif path.startswith("/items"):
        await _json(
            send, 201 if scope["method"] == "POST" else 200, {**item, "seen": seen}, reflect
        )
    else:
        await _json(send, 200, seen, reflect)
