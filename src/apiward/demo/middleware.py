"""Cross-cutting behaviour as pure ASGI middleware: errors, CORS, security headers."""

from __future__ import annotations

import json
import logging
import traceback

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("apiward.demo")

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains",
}


class ErrorBodies:
    """Turns an unhandled exception into a 500 answer: generic, or with its traceback."""

    def __init__(self, app: ASGIApp, *, verbose: bool) -> None:
        self.app = app
        self.verbose = verbose

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app; answer 500 if it fails before it started answering."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as error:
            if started:
                raise
            # One line, not a traceback: scanners provoke errors by the hundred.
            log.warning("unhandled %s on %s", type(error).__name__, scope.get("path"))
            body: dict[str, object] = {"detail": "internal server error"}
            if self.verbose:
                # planted: stack-trace-in-errors
                body = {"detail": repr(error), "traceback": traceback.format_exc()}
            payload = json.dumps(body).encode()
            await send(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [(b"content-type", b"application/json")],
                }
            )
            await send({"type": "http.response.body", "body": payload})


class ReflectingCors:
    """CORS that trusts every origin and lets it send cookies and tokens along."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Answer preflights with yes; add allow-origin for whoever asks."""
        origin = Headers(scope=scope).get("origin") if scope["type"] == "http" else None
        if origin is None:
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":
            headers = [(b"content-length", b"0"), *_cors(origin)]
            await send({"type": "http.response.start", "status": 204, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return

        async def reflect(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], *_cors(origin)]
            await send(message)

        await self.app(scope, receive, reflect)


def _cors(origin: str) -> list[tuple[bytes, bytes]]:
    # planted: cors-reflects-any-origin
    return [
        (b"access-control-allow-origin", origin.encode("latin-1")),
        (b"access-control-allow-credentials", b"true"),
        (b"access-control-allow-methods", b"GET, POST, PUT, PATCH, DELETE"),
        (b"access-control-allow-headers", b"authorization, content-type"),
    ]


class SecurityHeaders:
    """Adds the headers that tell browsers and caches how to treat an API response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app and add the headers to its answer."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def add(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, add)
