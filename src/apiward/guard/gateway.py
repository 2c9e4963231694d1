"""The gateway: a streaming reverse proxy, run behind the Guard, for APIs in any language.

``Guard(Gateway("http://127.0.0.1:8000"), policy=...)`` is what ``apiward guard``
serves. One httpx ``AsyncClient`` keeps connections to the upstream alive; request
and response bodies stream both ways in chunks (a large download is never held in
memory, unless the response stage buffers a JSON answer to filter it). Hop-by-hop
headers are dropped in both directions, the canonical path the Guard checked is
what goes upstream, and ``X-Forwarded-For`` carries the client the Guard resolved
(never what the client claimed), plus ``X-Forwarded-Proto`` and ``-Host``. The
client's ``Accept-Encoding`` goes upstream as it came; none is added.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx

from apiward.guard.canonicalise import encode_path
from apiward.guard.context import Context, Message, Receive, Scope, Send
from apiward.guard.problem import Refusal, Rule, problem_body, problem_start

log = logging.getLogger("apiward.guard")

HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-host",
        b"forwarded",
    }
)
_RESPONSE_DROP = frozenset({*HOP_BY_HOP, b"server", b"date"}) - {b"host"}


class Gateway:
    """An ASGI app that forwards each request to ``upstream`` and streams the answer back."""

    def __init__(self, upstream: str, *, timeout: float = 30.0, max_connections: int = 100) -> None:
        self.upstream = upstream.rstrip("/")
        self.client = httpx.AsyncClient(
            timeout=timeout,
            limits=httpx.Limits(
                max_connections=max_connections, max_keepalive_connections=max_connections
            ),
            trust_env=False,
            follow_redirects=False,
        )
        # httpx asks for gzip and deflate by default; the client's own Accept-Encoding
        # (or none) is what goes upstream, so the guard never invites a coding it was not asked for.
        del self.client.headers["accept-encoding"]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Proxy one HTTP request; answer lifespan events."""
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._proxy(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _proxy(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = self.client.build_request(
            scope["method"],
            self._url(scope),
            headers=_request_headers(scope),
            content=_body(receive) if _has_body(scope) else None,
        )
        try:
            response = await self.client.send(request, stream=True)
        except httpx.HTTPError as error:
            log.warning("upstream %s failed: %s", self.upstream, type(error).__name__)
            await _unavailable(scope, send)
            return
        try:
            headers = [(k, v) for k, v in response.headers.raw if k.lower() not in _RESPONSE_DROP]
            await send(
                {"type": "http.response.start", "status": response.status_code, "headers": headers}
            )
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await response.aclose()

    def _url(self, scope: Scope) -> str:
        query: bytes = scope.get("query_string", b"")
        url = self.upstream + encode_path(scope["path"])
        return f"{url}?{query.decode('latin-1')}" if query else url


def _has_body(scope: Scope) -> bool:
    return any(k in {b"content-length", b"transfer-encoding"} for k, _ in scope["headers"])


async def _body(receive: Receive) -> AsyncIterator[bytes]:
    more = True
    while more:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            return
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        more = message.get("more_body", False)


def _request_headers(scope: Scope) -> list[tuple[bytes, bytes]]:
    listed = {
        token.strip().lower()
        for name, value in scope["headers"]
        if name == b"connection"
        for token in value.split(b",")
    }
    headers = [(k, v) for k, v in scope["headers"] if k not in HOP_BY_HOP and k not in listed]
    ctx = scope.get("apiward")
    client = ctx.client if isinstance(ctx, Context) else (scope.get("client") or ("unknown",))[0]
    host = next((v for k, v in scope["headers"] if k == b"host"), b"")
    headers.append((b"x-forwarded-for", client.encode("latin-1")))
    headers.append((b"x-forwarded-proto", scope.get("scheme", "http").encode()))
    if host:
        headers.append((b"x-forwarded-host", host))
    return headers


async def _unavailable(scope: Scope, send: Send) -> None:
    ctx = scope.get("apiward")
    instance = ctx.request_id if isinstance(ctx, Context) else ""
    detail = "the upstream API did not answer"
    if isinstance(ctx, Context):
        # The guard's own answer: the audit event names its reason, and no filter replaces
        # it with the generic error it gives for the API's own 5xx.
        ctx.refusal = Refusal(Rule.UPSTREAM_UNAVAILABLE, detail)
    body = problem_body(Rule.UPSTREAM_UNAVAILABLE, detail, field=None, instance=instance)
    await send(problem_start(502, body, ()))
    await send({"type": "http.response.body", "body": body})
