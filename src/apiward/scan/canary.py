"""The out-of-band canary: an HTTP listener on 127.0.0.1 that records who called it.

SSRF and blind checks put ``canary.token(label)``'s URL where the API might fetch it;
``await canary.hit(token, timeout)`` returns the request that carried the token, or
None. A hit is the evidence: the API made a request it should not have made. The token
is looked for in the whole request head (path, query, headers), so a check can also
hide it in a header value or host-like string. The listener is a few lines of asyncio
because it only needs to see request heads and answer 200; it never follows anything.
A token may carry its own answer (``token(label, body=..., content_type=...)``), so a
check can serve content the API must not trust (API10) and see what the API does with it.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from dataclasses import dataclass

from apiward.core.findings import RecordedRequest

_TOKEN = re.compile(r"aw[0-9a-f]{20}")
_MAX_HEAD = 16_384


@dataclass(frozen=True, slots=True, kw_only=True)
class CanaryToken:
    """A unique token and a URL on the canary that carries it."""

    token: str
    url: str
    label: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Hit:
    """A request the canary received that carried a token."""

    token: str
    request: RecordedRequest
    peer: str


class Canary:
    """Listens on 127.0.0.1 (ephemeral port) and records every request that carries a token."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self.hits: list[Hit] = []
        self._labels: dict[str, str] = {}
        self._answers: dict[str, tuple[bytes, str]] = {}
        self._server: asyncio.Server | None = None
        self._arrived = asyncio.Condition()
        self._open: set[asyncio.StreamWriter] = set()

    async def start(self) -> Canary:
        """Start listening."""
        self._server = await asyncio.start_server(self._handle, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.close()
            # Python 3.11's Server.close leaves accepted connections open: a caller that
            # never finished its request head would outlive the scan's event loop.
            for writer in tuple(self._open):
                writer.close()
            await self._server.wait_closed()
            await asyncio.sleep(0)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        return f"http://{self.host}:{self.port}"

    def token(
        self, label: str = "", *, body: bytes | None = None, content_type: str = "text/plain"
    ) -> CanaryToken:
        """A fresh token and the canary URL that carries it (answering ``body`` if given)."""
        token = f"aw{secrets.token_hex(10)}"
        self._labels[token] = label
        if body is not None:
            self._answers[token] = (body, content_type)
        return CanaryToken(token=token, url=f"{self.base_url}/c/{token}", label=label)

    async def hit(self, token: str, timeout: float = 2.0) -> Hit | None:
        """The first request carrying ``token``, waiting up to ``timeout`` seconds for it."""
        async with self._arrived:
            try:
                await asyncio.wait_for(
                    self._arrived.wait_for(lambda: self._find(token) is not None), timeout
                )
            except TimeoutError:
                return None
            return self._find(token)

    def _find(self, token: str) -> Hit | None:
        return next((h for h in self.hits if h.token == token), None)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._open.add(writer)
        try:
            head = await self._answered(reader, writer)
        finally:
            self._open.discard(writer)
            writer.close()
        await self._record(head[:_MAX_HEAD].decode("latin-1"), writer.get_extra_info("peername"))

    async def _answered(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5.0)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, OSError):
            head = b""
        try:
            writer.write(self._answer(head))
            await writer.drain()
        except OSError:
            pass
        return head

    def _answer(self, head: bytes) -> bytes:
        found = _TOKEN.search(head.decode("latin-1"))
        body, content_type = self._answers.get(found.group(0) if found else "", (b"ok", ""))
        kind = f"content-type: {content_type}\r\n" if content_type else ""
        status = (
            f"HTTP/1.1 200 OK\r\n{kind}content-length: {len(body)}\r\nconnection: close\r\n\r\n"
        )
        return status.encode("latin-1") + body

    async def _record(self, head: str, peer: object) -> None:
        lines = head.split("\r\n")
        method, _, rest = lines[0].partition(" ")
        target = rest.rsplit(" ", 1)[0] if rest else ""
        headers = tuple(
            (name.strip(), value.strip())
            for name, _, value in (line.partition(":") for line in lines[1:] if ":" in line)
        )
        request = RecordedRequest(method=method, url=f"{self.base_url}{target}", headers=headers)
        async with self._arrived:
            for token in dict.fromkeys(_TOKEN.findall(head)):
                self.hits.append(Hit(token=token, request=request, peer=str(peer)))
            self._arrived.notify_all()
