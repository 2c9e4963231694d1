"""Sending requests to the one target: async httpx, keep-alive, caps, and a record of everything.

* One ``httpx.AsyncClient`` with keep-alive for the whole scan; ``concurrency`` bounds
  requests in flight (a semaphore, default 8) and ``rate`` (requests per second) spaces
  their starts. ``trust_env=False``: no proxy from the environment sees the scan.
* Requests hold a path, never a host, so nothing is sent anywhere but ``base_url`` (or,
  for a request with a base path of its own, an older version's, the same host).
* Every exchange is recorded (``Reply.exchange``) so a finding can carry the exact
  request and response that prove it; bodies are kept up to ``MAX_BODY`` characters.
* Cookies are the sender's business (``scan.sessions`` keeps one jar per identity):
  the client never stores a ``Set-Cookie`` and never adds a cookie of its own, so no
  answer to one identity (or to nobody) travels with another's requests. Every
  ``Set-Cookie`` of an answer is kept whole in ``Reply.set_cookies``.
* ``observers`` are called with every reply (the synthesizer learns field values there).
* An idempotent request (GET, HEAD, OPTIONS, PUT, DELETE) whose connection the server
  closed or reset is sent once more: servers often drop a kept-alive connection after an
  error, and the next request on it should not lose a check (httpx opens a fresh one).
* ``alone()`` lets timing probes run with nothing else in flight: a sleep probe elsewhere
  delays every answer, and a fast endpoint must not look slow because of it. Inside it,
  requests from the same context (and tasks it starts) go out; every other waits.
* Every request has a *deadline* (``timeout``, seconds) for its whole exchange: connect,
  send, and every byte of the answer. A server that trickles its body a byte a second
  fails the request when the deadline passes, as one that never answers does.
* An answer's body is read up to ``max_answer`` bytes (after content decoding), as a
  stream; the rest is never read. A cut answer is kept (``Reply.cut``), and
  ``cut_notes()`` says which operations were cut, for the report.
* Every request carries ``X-Request-Id: apiward-<scan>-<n>`` (``<scan>`` random per scan), and
  ``journal`` keeps one :class:`Sent` per request: ``apiward logging-check`` later asks a
  guard's audit log, by that id, whether each probe was blocked, logged or missed.
* A transport failure (refused, reset, timeout, not HTTP) raises ``TargetError`` for
  that request; after ``max_failures`` in a row with no answer between them the target
  is *down*: every later send fails at once, and the runner stops with a partial report.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import secrets
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from http.cookiejar import Cookie, CookieJar, CookiePolicy
from typing import Any
from urllib.parse import urlsplit

import httpx

from apiward.core.errors import TargetError
from apiward.core.findings import MAX_RECORDED_BODY, Exchange, RecordedRequest, RecordedResponse
from apiward.scan import verdicts
from apiward.scan.elevated import holding
from apiward.scan.jsonapi import Resource, dress, flatten
from apiward.scan.request import IDEMPOTENT, BodyKind, Request, Unfilled
from apiward.scan.wrapped import wrap

MAX_BODY = MAX_RECORDED_BODY
MAX_ANSWER = 16 * 1024 * 1024
"""Bytes of an answer's body read at most (``--max-answer-bytes``); the rest is dropped."""
ALONE_WAIT = 30.0
"""Seconds ``alone()`` waits for requests already in flight before it goes ahead anyway."""
_INSIDE_ALONE: ContextVar[bool] = ContextVar("apiward_inside_alone", default=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Reply:
    """What the target answered to one request, with the exchange as evidence."""

    exchange: Exchange
    status: int
    text: str
    headers: tuple[tuple[str, str], ...]
    sent: Request
    set_cookies: tuple[str, ...] = ()
    """Each ``Set-Cookie`` value on its own (``headers`` joins repeated names with commas)."""
    cut: bool = False
    """True when the body was longer than the transport's bound and only its start was read."""
    failed: bool = False
    """True for a 2xx whose body says the request failed (``{"success": false}``: ``verdicts``)."""

    @property
    def ok(self) -> bool:
        """True for a 2xx answer that does not say, in its body, that it failed."""
        return 200 <= self.status < 300 and not self.failed

    @property
    def data(self) -> Any:
        """The body parsed as JSON (JSON:API resources as plain objects), or None when not JSON."""
        try:
            return flatten(verdicts.parse(self.text)) if self.text else None
        except ValueError:
            return None

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case)."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


REQUEST_ID = "X-Request-Id"


@dataclass(frozen=True, slots=True, kw_only=True)
class Sent:
    """One request the scan sent: its id, who sent it, what, and the status (None: no answer)."""

    request_id: str
    by: str
    method: str
    path: str
    operation: str
    status: int | None
    target: str = ""
    """The path as sent: its ids filled in, and the query (a report redacts credentials in it)."""


class Transport:
    """The scanner's only way out: one base URL, bounded concurrency and rate, recorded."""

    def __init__(
        self,
        base_url: str,
        *,
        concurrency: int = 8,
        rate: float | None = None,
        timeout: float = 10.0,
        max_failures: int = 3,
        max_answer: int = MAX_ANSWER,
        roots: Mapping[str, str] | None = None,
        resources: Mapping[str, Resource] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        parts = urlsplit(self.base_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.cut: Counter[str] = Counter()
        """Operations whose answers were longer than ``max_answer``, and how often."""
        self._deadline = timeout
        self._roots = dict(roots or {})
        """Operation key → the key its JSON body travels under (``scan.wrapped``)."""
        self._resources = dict(resources or {})
        """Operation key → the JSON:API document its body travels as (``scan.jsonapi``)."""
        self._max_answer = max(1, max_answer)
        self.request_ids = f"apiward-{secrets.token_hex(4)}"
        """The prefix of every request's ``X-Request-Id``: this scan's name in others' logs."""
        self.journal: list[Sent] = []
        self._numbers = itertools.count(1)
        self.sent = 0
        self.requester = "engine"
        """Who is sending now (a phase or a check id): the runner sets it, one check at a time."""
        self.by_requester: Counter[str] = Counter()
        self.operations: set[str] = set()
        self.down: TargetError | None = None
        self.observers: list[Callable[[Reply], None]] = []
        self._failures = 0
        self._max_failures = max_failures
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self._interval = 1.0 / rate if rate else 0.0
        self._next_start = 0.0
        self._pace = asyncio.Lock()
        self._traffic = asyncio.Condition()
        self._alone = False
        self._in_flight = 0
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            limits=httpx.Limits(max_connections=max(1, concurrency), max_keepalive_connections=8),
            trust_env=False,
            follow_redirects=False,
            cookies=CookieJar(policy=_NoCookies()),
        )

    async def reachable(self) -> None:
        """Raise TargetError unless the target answers HTTP at all (any status will do)."""
        try:
            await self.send(Request(method="GET", path="/", operation=""), note="is it up?")
        except TargetError as error:
            self.down = TargetError(
                f"cannot reach the target: {error.message}", source=self.base_url
            )
            raise self.down from None

    def revive(self) -> None:
        """Send again after the target was down (``scan.outage``: to put back what it can)."""
        self.down, self._failures = None, 0

    async def close(self) -> None:
        """Close the connection pool."""
        await self._client.aclose()

    def cut_notes(self) -> list[str]:
        """One line per operation whose answers were cut at the bound, for the report."""
        return [
            f"{operation or 'GET /'}: {count} answer(s) longer than {self._max_answer} bytes"
            " were read only up to that bound (--max-answer-bytes)"
            for operation, count in sorted(self.cut.items())
        ]

    @asynccontextmanager
    async def alone(self) -> AsyncIterator[None]:
        """Hold every other request back, and wait for those in flight, while inside."""
        async with self._traffic:
            await self._traffic.wait_for(lambda: not self._alone)
            self._alone = True
            # A request stuck until its own timeout must not hang the scan: go ahead then.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._traffic.wait_for(lambda: self._in_flight == 0), ALONE_WAIT
                )
        token = _INSIDE_ALONE.set(True)
        try:
            yield
        finally:
            _INSIDE_ALONE.reset(token)
            async with self._traffic:
                self._alone = False
                self._traffic.notify_all()

    @contextlib.contextmanager
    def through(self) -> Iterator[None]:
        """Let this task's requests pass another task's ``alone`` block.

        For requests that block may itself be waiting for: a session logged in afresh
        (the block's own next request as that identity waits for it). Held back, it
        would wait for the block and the block for it: the Ninja trial's scan hung for
        good. A probe inside an ``Elevations.hold`` passes too (``elevated.holding``):
        the block's requests as that identity wait for the hold to end.
        """
        token = _INSIDE_ALONE.set(True)
        try:
            yield
        finally:
            _INSIDE_ALONE.reset(token)

    async def send(self, request: Request, *, note: str = "") -> Reply:
        """Send ``request`` to the target and record the exchange."""
        if self.down is not None:
            raise self.down
        if request.unfilled:
            # A literal {name} would reach the API as %7Bname%7D: a request for nothing.
            names = ", ".join("{" + n + "}" for n in request.unfilled)
            why = f"{request.method} {request.path}: not sent, nothing filled {names}"
            raise Unfilled(why, source=self.base_url)
        built = self._build(request)
        request_id = built.headers[REQUEST_ID]
        async with self._traffic:
            await self._traffic.wait_for(
                lambda: not self._alone or _INSIDE_ALONE.get() or holding()
            )
            self._in_flight += 1
        try:
            response, text, elapsed, cut = await self._exchange(request, built, request_id)
        finally:
            async with self._traffic:
                self._in_flight -= 1
                self._traffic.notify_all()
        self._failures = 0
        self.sent += 1
        self.by_requester[self.requester] += 1
        self.operations.add(request.operation)
        self._log(request, request_id, response.status_code)
        if cut:
            self.cut[request.operation] += 1
        reply = _reply(request, built, response, text, elapsed, note, cut=cut)
        for observe in self.observers:
            observe(reply)
        return reply

    def _log(self, request: Request, request_id: str, status: int | None) -> None:
        self.journal.append(
            Sent(
                request_id=request_id,
                by=self.requester,
                method=request.method.upper(),
                path=request.path,
                operation=request.operation,
                status=status,
                target=request.target,
            )
        )

    async def _exchange(
        self, request: Request, built: httpx.Request, request_id: str
    ) -> tuple[httpx.Response, str, float, bool]:
        """One request, and once more on a fresh connection when an idempotent one was cut."""
        retry = request.method.upper() in IDEMPOTENT
        async with self._slots:
            while True:
                await self._wait_turn()
                started = time.perf_counter()
                try:
                    async with asyncio.timeout(self._deadline):
                        response, text, cut = await self._receive(built)
                except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as error:
                    size = len(built.content)
                    if not retry or size >= BIG_BODY:
                        raise self._failed(request, error, request_id, size) from None
                    retry = False
                    continue
                except (httpx.HTTPError, TimeoutError, OSError) as error:
                    raise self._failed(request, error, request_id) from None
                return response, text, (time.perf_counter() - started) * 1000, cut

    async def _receive(self, built: httpx.Request) -> tuple[httpx.Response, str, bool]:
        """The answer's head and its body's first ``max_answer`` bytes, as text."""
        response = await self._client.send(built, stream=True)
        chunks: list[bytes] = []
        size = 0
        cut = False
        try:
            async for chunk in response.aiter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size > self._max_answer:
                    cut = True
                    break
        finally:
            await response.aclose()
        body = b"".join(chunks)[: self._max_answer]
        return response, _decode(body, response.charset_encoding), cut

    def json_body(self, request: Request) -> Any:
        """The JSON ``request`` carries as it travels: under its root key, or as a JSON:API document."""
        body = request.body
        if resource := self._resources.get(request.operation):
            body = dress(body, resource, request.method, request.path_params)
        return wrap(body, self._roots.get(request.operation, ""))

    def json_media(self, request: Request) -> str:
        """The content type ``request``'s JSON body travels under (JSON:API's own, or JSON)."""
        resource = self._resources.get(request.operation)
        return resource.media if resource else "application/json"

    def _build(self, request: Request) -> httpx.Request:
        kwargs: dict[str, Any] = {}
        if request.body_kind is BodyKind.JSON:
            kwargs["content"] = json.dumps(self.json_body(request)).encode()
            kwargs["headers"] = {"content-type": self.json_media(request)}
        elif request.body_kind is BodyKind.FORM and isinstance(request.body, dict):
            kwargs["data"] = request.body
        elif request.body_kind is BodyKind.RAW:
            raw = request.body
            kwargs["content"] = raw if isinstance(raw, bytes) else str(raw or "").encode()
        headers = httpx.Headers(kwargs.pop("headers", {}))
        for name, value in request.headers:
            headers[name] = value
        if request.cookies:
            # A credential sent as a Cookie header (``header: Cookie``) travels beside the jar's.
            pairs = [headers["cookie"]] if "cookie" in headers else []
            pairs += [f"{k}={v}" for k, v in request.cookies.items()]
            headers["cookie"] = "; ".join(pairs)
        # Set last, so no check's header can hide which probe this is.
        headers[REQUEST_ID] = f"{self.request_ids}-{next(self._numbers)}"
        url = self.url(request)
        return self._client.build_request(request.method, url, headers=headers, **kwargs)

    def url(self, request: Request) -> str:
        """Where ``request`` goes: under the base URL, or its own base path on the same host."""
        return (self.base_url if request.base is None else self.origin) + request.target

    async def _wait_turn(self) -> None:
        if not self._interval:
            return
        async with self._pace:
            now = time.monotonic()
            start = max(now, self._next_start)
            self._next_start = start + self._interval
        if start > now:
            await asyncio.sleep(start - now)

    def _failed(
        self, request: Request, error: Exception, request_id: str, size: int = 0
    ) -> TargetError:
        self.sent += 1
        self.by_requester[self.requester] += 1
        self._log(request, request_id, None)
        cut = isinstance(error, httpx.RemoteProtocolError | httpx.ReadError | httpx.WriteError)
        if cut and size >= BIG_BODY:
            # Fastify answers 413 to a 2 MiB body and closes at once: the answer is lost
            # while the body is still going out. A refusal, not a target that went down.
            return BodyRefusedError(
                f"{request.method} {request.target}: the connection was closed while its "
                f"{size}-byte body was being sent",
                source=self.base_url,
            )
        self._failures += 1
        what = _describe(error)
        if what == "timed out":
            what = f"no whole answer within {self._deadline:g} s (--timeout)"
        failure = TargetError(f"{request.method} {request.target}: {what}", source=self.base_url)
        if self._failures >= self._max_failures:
            self.down = TargetError(
                f"target stopped answering ({self._failures} failures in a row, last: {what})",
                source=self.base_url,
            )
        return failure


BIG_BODY = 1 << 20
"""A body at least this long that the server cut off was refused for its size."""


class BodyRefusedError(TargetError):
    """The server closed the connection while a large body was being sent: it refused it."""


class _NoCookies(CookiePolicy):
    """The client's own jar refuses every cookie: each identity keeps its own."""

    netscape = True
    rfc2965 = False
    hide_cookie2 = True

    def set_ok(self, cookie: Cookie, request: object) -> bool:
        return False

    def return_ok(self, cookie: Cookie, request: object) -> bool:
        return False

    def domain_return_ok(self, domain: str, request: object) -> bool:
        return False

    def path_return_ok(self, path: str, request: object) -> bool:
        return False


def _decode(body: bytes, charset: str | None) -> str:
    """The body as text in its declared charset (UTF-8 when none or unknown), never failing."""
    try:
        return body.decode(charset or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def _describe(error: Exception) -> str:
    if isinstance(error, httpx.TimeoutException | TimeoutError):
        return "timed out"
    if isinstance(error, httpx.ConnectError):
        return f"connection refused or unreachable ({error})".replace(" ()", "")
    if isinstance(error, httpx.RemoteProtocolError | httpx.ReadError):
        return f"connection reset or not HTTP ({error})".replace(" ()", "")
    return f"{type(error).__name__}: {error}"


def _reply(
    request: Request,
    built: httpx.Request,
    response: httpx.Response,
    text: str,
    elapsed: float,
    note: str,
    *,
    cut: bool = False,
) -> Reply:
    recorded = RecordedRequest(
        method=built.method,
        url=str(built.url),
        headers=tuple(built.headers.items()),
        body=built.content.decode(errors="replace")[:MAX_BODY],
    )
    headers = tuple(response.headers.items())
    answer = RecordedResponse(
        status=response.status_code, headers=headers, body=text[:MAX_BODY], elapsed_ms=elapsed
    )
    exchange = Exchange(request=recorded, response=answer, note=note)
    return Reply(
        exchange=exchange,
        status=response.status_code,
        text=text,
        headers=headers,
        sent=request,
        set_cookies=tuple(response.headers.get_list("set-cookie")),
        cut=cut,
        failed=200 <= response.status_code < 300 and verdicts.says_failed(text),
    )
