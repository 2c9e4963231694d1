"""Per-request state: one :class:`Context` per request, held in locals and in ``scope["apiward"]``.

Stages read and write the context; nothing per-request is ever stored on a stage.
The context is also the namespaced decision record apps downstream can read while
the request runs: ``scope["apiward"].route.key``, ``.client``, ``.principal``,
``.decisions``. The guard removes it from the scope once the request is done, so
that no request leaves a reference cycle for the garbage collector.
"""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from types import MappingProxyType
from typing import Any

from apiward.guard.problem import Refusal, Rule
from apiward.guard.routes import Match, Route

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_PREFIX = os.urandom(4).hex()
_COUNTER = itertools.count(1)
_NO_CLAIMS: Mapping[str, Any] = MappingProxyType({})
_NONE: frozenset[str] = frozenset()


class _Unread:
    """The type of :data:`UNREAD`."""

    def __repr__(self) -> str:
        return "UNREAD"


UNREAD = _Unread()
"""``ctx.document`` before any stage parsed the body (``None`` is a body's own value)."""


class Context:
    """What the guard knows and decided about one request."""

    __slots__ = (
        "_body",
        "_replayed",
        "audited",
        "auth_failure",
        "claims",
        "client",
        "decisions",
        "document",
        "header",
        "match",
        "method",
        "path",
        "principal",
        "receive",
        "refusal",
        "request_id",
        "response_headers",
        "response_type",
        "roles",
        "scope",
        "scopes",
        "started",
        "status",
    )

    def __init__(self, scope: Scope, receive: Receive) -> None:
        self.scope = scope
        self.receive = receive
        """The request's receive channel; stages may wrap it (transport counts bytes)."""
        self.method: str = scope["method"]
        self.path: str = scope["path"]
        self.match: Match | None = None
        client = scope.get("client")
        self.client: str = client[0] if client else "unknown"
        self.principal: str | None = None
        """Set by an authentication stage: who the request is, never the credential."""
        self.claims: Mapping[str, Any] = _NO_CLAIMS
        """Verified token claims or API-key metadata (never the credential itself)."""
        self.roles: frozenset[str] = _NONE
        """Roles the authentication stage established for the principal."""
        self.scopes: frozenset[str] = _NONE
        """OAuth scopes the authentication stage established for the principal."""
        self.request_id = f"{_PREFIX}-{next(_COUNTER)}"
        self.started = time.perf_counter()
        self.status: int | None = None
        self.refusal: Refusal | None = None
        self.decisions: dict[str, Any] = {}
        """Stage name → what it decided (e.g. rate-limit remaining), for apps and audit."""
        self.document: Any = UNREAD
        """The body, parsed once by whichever stage needs it first (UNREAD until then)."""
        self.auth_failure: str | None = None
        """Why authentication refused the request, for the audit event only (never the client)."""
        self.response_headers: list[tuple[bytes, bytes]] = []
        """Headers stages want on the answer (RateLimit, HSTS), refusals included."""
        self.response_type: bytes | None = None
        """The answer's Content-Type as the client gets it, for the audit event."""
        self.audited = False
        """Set once the audit stage has recorded this request (exactly once)."""
        self._body: bytes | None = None
        self._replayed = False
        headers = scope["headers"]
        # Reversed, so that the first of repeated headers is the value kept. Stages look
        # up about seven headers per request: a dict's own get() is the cheapest call.
        table = dict(reversed(headers if isinstance(headers, list) else list(headers)))
        self.header: Callable[[bytes], bytes | None] = table.get
        """The first value of a request header (lower-case name), or None."""

    @property
    def route(self) -> Route | None:
        """The contract operation this request resolved to (None before routing)."""
        return self.match.route if self.match is not None else None

    async def body(self) -> bytes:
        """The whole request body, read once through :attr:`receive` and kept for the app."""
        if self._body is None:
            chunks: list[bytes] = []
            more = True
            while more:
                message = await self.receive()
                if message["type"] == "http.disconnect":
                    raise Refusal(Rule.MALFORMED_BODY, "the client went away while sending")
                chunks.append(message.get("body", b""))
                more = message.get("more_body", False)
            self._body = b"".join(chunks)
        return self._body

    async def app_receive(self) -> Message:
        """The receive channel handed to the app: the buffered body first, if one was read."""
        if self._body is not None and not self._replayed:
            self._replayed = True
            return {"type": "http.request", "body": self._body, "more_body": False}
        return await self.receive()
