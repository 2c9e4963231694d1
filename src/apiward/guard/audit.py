"""Audit: one hash-chained event per request and per refusal, and alert rules on the stream.

Runs after the answer is sent. A refused request gives two events: the ``decision``
(which rule, why) and the ``request`` (status, latency); an allowed one gives the
``request`` event only. Alert rules count matching events per client in a sliding
window; crossing the threshold writes an ``alert`` event and, if the rule says so,
bans the client through the rate-limit stage's ban store.
"""

from __future__ import annotations

import hashlib
import time
from collections import deque
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

import orjson

from apiward.core.events import AuditEvent
from apiward.guard.auditlog import Sink, open_sink
from apiward.guard.context import Context
from apiward.guard.pipeline import Setup
from apiward.guard.policy import AlertRule, AuditPolicy
from apiward.guard.problem import Refusal


@runtime_checkable
class Banning(Protocol):
    """What alert rules need from the rate-limit stage."""

    async def ban(self, who: str, seconds: int) -> None:
        """Refuse ``who`` for ``seconds``."""


def build(setup: Setup) -> Audit | None:
    """The audit stage, or None when the policy switches it off."""
    policy = setup.policy.audit
    if not policy.enabled:
        return None
    bans = setup.built.get("ratelimit")
    return Audit(policy, open_sink(policy.sink), bans if isinstance(bans, Banning) else None)


_SECOND: list[tuple[int, str]] = [(-1, "")]


def _now() -> str:
    """RFC 3339 UTC with microseconds; the per-second prefix is formatted once per second."""
    now = time.time()
    second = int(now)
    cached, prefix = _SECOND[0]
    if second != cached:
        prefix = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        _SECOND[0] = (second, prefix)
    return f"{prefix}.{int((now - second) * 1e6):06d}Z"


class Audit:
    """Writes events to the sink and evaluates alert rules."""

    def __init__(self, policy: AuditPolicy, sink: Sink, bans: Banning | None) -> None:
        self.policy = policy
        self.sink = sink
        self.bans = bans
        self.windows: dict[tuple[str, str], deque[float]] = {}

    async def record(self, ctx: Context) -> None:
        """Write this request's events and run the alert rules on them (once per request)."""
        if ctx.audited:
            return
        ctx.audited = True
        refusal = ctx.refusal
        if refusal is not None:
            self._write(self._event(ctx, "decision", refusal))
        self._write(self._event(ctx, "request", refusal))
        for rule in self.policy.alerts:
            if _matches(rule, ctx):
                await self._count(rule, ctx)

    def _event(self, ctx: Context, kind: str, refusal: Refusal | None) -> dict[str, Any]:
        # The fields of an AuditEvent as a plain mapping: building the frozen dataclass
        # and reading it back cost about 3 µs per event (tests check the keys match).
        route = ctx.route
        return {
            "ts": _now(),
            "kind": kind,
            "request_id": ctx.request_id,
            "method": ctx.method,
            "path": ctx.path,
            "client": ctx.client,
            "outcome": "refused" if refusal is not None else "allowed",
            "route": route.template if route else None,
            "operation_id": route.operation.operation_id if route else None,
            "principal": ctx.principal,
            "status": ctx.status,
            "reason": refusal.rule.value if refusal is not None else None,
            "latency_ms": round((time.perf_counter() - ctx.started) * 1000, 3),
            "query": _names(ctx.scope.get("query_string", b"")),
            "request_content_type": _text(ctx.header(b"content-type")),
            "response_content_type": None,
            "extra": {"field": refusal.field} if refusal is not None and refusal.field else {},
        }

    def _write(self, data: dict[str, Any]) -> None:
        line, digest = chained_line(data, self.sink.last_hash)
        self.sink.write(line, digest)

    async def _count(self, rule: AlertRule, ctx: Context) -> None:
        who = ctx.principal or f"ip:{ctx.client}"
        now = time.monotonic()
        window = self.windows.setdefault((rule.name, who), deque())
        window.append(now)
        while window and window[0] < now - rule.window:
            window.popleft()
        if len(window) < rule.threshold:
            return
        window.clear()
        alert = AuditEvent(
            ts=_now(),
            kind="alert",
            request_id=ctx.request_id,
            method=ctx.method,
            path=ctx.path,
            client=ctx.client,
            outcome="refused" if rule.ban else "allowed",
            principal=ctx.principal,
            reason=rule.name,
            extra={"threshold": rule.threshold, "window": rule.window, "ban": rule.ban},
        )
        self._write({name: getattr(alert, name) for name in _FIELDS})
        if rule.ban and self.bans is not None:
            await self.bans.ban(who, rule.ban)

    def close(self) -> None:
        """Close the sink (every event is already written)."""
        self.sink.close()


_FIELDS = tuple(f.name for f in fields(AuditEvent))
_SORTED = orjson.OPT_SORT_KEYS
_EMPTY_HASH = b'"hash":""'


def chained_line(data: dict[str, Any], prev: str) -> tuple[bytes, str]:
    """The JSON line of an event's fields chained after ``prev``, and its hash.

    The same bytes as ``AuditEvent(**data).chained(prev).to_json()``: the hash covers
    the sorted-key JSON with ``"hash": ""``, and the digest is then spliced into that
    one serialisation instead of serialising again. The top-level ``"hash":""`` is
    the last such byte sequence: the only nested object (``extra``) sorts before it,
    and the keys after it hold scalars or lists of strings.
    """
    data["prev"] = prev
    data["hash"] = ""
    unhashed = orjson.dumps(data, option=_SORTED)
    digest = hashlib.sha256(unhashed).hexdigest()
    at = unhashed.rindex(_EMPTY_HASH) + len(_EMPTY_HASH) - 1
    return unhashed[:at] + digest.encode() + unhashed[at:], digest


def _matches(rule: AlertRule, ctx: Context) -> bool:
    if rule.operation is not None and (ctx.route is None or ctx.route.key != rule.operation):
        return False
    if rule.reason.startswith("status:"):
        return str(ctx.status) == rule.reason[len("status:") :]
    return ctx.refusal is not None and ctx.refusal.rule.value == rule.reason


def _names(query: bytes) -> tuple[str, ...]:
    if not query:
        return ()
    names = (part.split(b"=", 1)[0].decode("latin-1") for part in query.split(b"&") if part)
    return tuple(dict.fromkeys(names))


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value is not None else None
