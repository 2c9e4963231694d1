"""Audit: one hash-chained event per request and per refusal, and alert rules on the stream.

The chain is keyed (HMAC-SHA256) when the policy gives a key (``key_file`` or
``key_env``). Every ``checkpoint_every`` lines a ``checkpoint`` event records how many
lines come before it, and a clean shutdown ends the log with a ``seal``; each is
copied to the ``anchor`` when one is set (auditanchor.py).

Runs after the answer is sent. A refused request gives two events: the ``decision``
(which rule, why) and the ``request`` (status, latency); an allowed one gives the
``request`` event only. Alert rules count matching events per client in a sliding
window; crossing the threshold writes an ``alert`` event and, if the rule says so,
bans the client through the rate-limit stage's ban store.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import time
from collections import deque
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from apiward.core.errors import ConfigError
from apiward.core.events import AuditEvent
from apiward.guard.auditanchor import Anchor
from apiward.guard.auditlog import Sink, open_sink
from apiward.guard.context import Context
from apiward.guard.policy import AlertRule, AuditPolicy
from apiward.guard.problem import Refusal
from apiward.guard.stage import Banning, Setup


def build(setup: Setup) -> Audit | None:
    """The audit stage, or None when the policy switches it off."""
    policy = setup.policy.audit
    if not policy.enabled:
        return None
    key = audit_key(policy)
    anchor = Anchor(policy.anchor, anchor_name(policy)) if policy.anchor else None
    return Audit(
        policy,
        open_sink(policy.sink, key),
        setup.bans,
        key=key,
        anchor=anchor,
    )


MIN_KEY_BYTES = 16


def anchor_name(policy: AuditPolicy) -> str:
    """The log's name at the anchor: ``anchor_name``, else the sink's file name."""
    if policy.anchor_name:
        return policy.anchor_name
    return Path(policy.sink.removeprefix("jsonl://").removeprefix("sqlite://")).name


def audit_key(policy: AuditPolicy) -> bytes | None:
    """The chain's HMAC key from ``key_file`` or ``key_env``, or None (an unkeyed chain)."""
    if policy.key_file is not None:
        try:
            key = Path(policy.key_file).read_bytes().strip()
        except OSError as error:
            raise ConfigError(
                f"cannot read the audit key: {error.strerror}", source=policy.key_file
            ) from None
        where = policy.key_file
    elif policy.key_env is not None:
        if policy.key_env not in os.environ:
            raise ConfigError(f"the audit key's environment variable {policy.key_env} is not set")
        key = os.environ[policy.key_env].strip().encode()
        where = f"${policy.key_env}"
    else:
        return None
    if len(key) < MIN_KEY_BYTES:
        raise ConfigError(f"the audit key in {where} needs at least {MIN_KEY_BYTES} bytes")
    return key


_SECOND: list[tuple[int, str]] = [(-1, "")]


def _now() -> str:
    """RFC 3339 UTC with microseconds; the per-second prefix is formatted once per second."""
    second, micro = divmod(time.time_ns() // 1000, 1_000_000)  # integers: no float rounding
    cached, prefix = _SECOND[0]
    if second != cached:
        prefix = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        _SECOND[0] = (second, prefix)
    # Zero-padded by a leading 1 cut off: a format spec costs about ten times as much.
    return f"{prefix}.{str(1_000_000 + micro)[1:]}Z"


class Audit:
    """Writes events to the sink, checkpoints and seals the log, and evaluates alert rules."""

    def __init__(
        self,
        policy: AuditPolicy,
        sink: Sink,
        bans: Banning | None,
        *,
        key: bytes | None = None,
        anchor: Anchor | None = None,
    ) -> None:
        self.policy = policy
        self.sink = sink
        self.bans = bans
        self.key = key
        self.anchor = anchor
        self.windows: dict[tuple[str, str], deque[float]] = {}
        self.next_checkpoint = sink.lines + policy.checkpoint_every
        self.copies: list[tuple[int, str]] = []
        self.sealed = False

    async def record(self, ctx: Context) -> None:
        """Write this request's events and run the alert rules on them (once per request)."""
        if ctx.audited:
            return
        ctx.audited = True
        refusal = ctx.refusal
        if refusal is not None:
            self._write(self._event(ctx, "decision", refusal), presorted=True)
        self._write(self._event(ctx, "request", refusal), presorted=True)
        for rule in self.policy.alerts:
            if _matches(rule, ctx):
                await self._count(rule, ctx)
        if self.copies:
            await self._copy()

    def _event(self, ctx: Context, kind: str, refusal: Refusal | None) -> dict[str, Any]:
        # The fields of an AuditEvent as a plain mapping: building the frozen dataclass
        # and reading it back cost about 3 µs per event (tests check the keys match).
        # Keys in sorted order, "hash" and "prev" included, so that the chained line
        # needs no sorting: sorting doubled the cost of serialising the event.
        route = ctx.route
        return {
            "client": ctx.client,
            "extra": _extra(ctx, refusal),
            "hash": "",
            "kind": kind,
            # Whole microseconds: round(x, 3) costs about three times as much, same digits.
            "latency_ms": round((time.perf_counter() - ctx.started) * 1e6) / 1000,
            "method": ctx.method,
            "operation_id": route.operation.operation_id if route else None,
            "outcome": "refused" if refusal is not None else "allowed",
            "path": ctx.path,
            "prev": "",
            "principal": ctx.principal,
            "query": _names(ctx.scope.get("query_string", b"")),
            "reason": refusal.rule.value if refusal is not None else None,
            "request_content_type": _text(ctx.header(b"content-type")),
            "request_id": ctx.request_id,
            "response_content_type": _text(ctx.response_type),
            "route": route.template if route else None,
            "status": ctx.status,
            "ts": _now(),
        }

    def _write(self, data: dict[str, Any], *, presorted: bool = False) -> None:
        sink = self.sink
        line, digest = chained_line(data, sink.last_hash, self.key, presorted=presorted)
        sink.write(line, digest)
        if sink.lines >= self.next_checkpoint:
            self._mark("checkpoint")

    def _mark(self, kind: str) -> None:
        """Write a checkpoint or the seal: how many lines come before it, chained like any event."""
        sink = self.sink
        before = sink.lines
        mark = AuditEvent(
            ts=_now(),
            kind=kind,
            request_id="",
            method="",
            path="",
            client="",
            outcome="",
            extra={"events": before},
        )
        line, digest = chained_line(
            {name: getattr(mark, name) for name in _FIELDS}, sink.last_hash, self.key
        )
        sink.write(line, digest)
        self.next_checkpoint = sink.lines + self.policy.checkpoint_every
        if self.anchor is not None:
            self.copies.append((before, f"{kind}:{digest}"))

    async def _copy(self) -> None:
        copies, self.copies = self.copies, []
        if self.anchor is not None and self.sink.first_hash is not None:
            for line, value in copies:
                await self.anchor.put(self.sink.first_hash, line, value)

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
        """Seal the log and close the sink (every event is already written)."""
        if self.sealed:
            return
        self.sealed = True
        self._mark("seal")
        self.sink.close()

    def discard(self) -> None:
        """Close the sink without a seal: nothing was served, so nothing is vouched for."""
        self.sealed = True
        self.sink.close()

    async def aclose(self) -> None:
        """Seal the log, copy the seal to the anchor, and release both."""
        if self.sealed:
            return
        self.close()
        if self.anchor is not None:
            await self._copy()
            await self.anchor.aclose()


_FIELDS = tuple(f.name for f in fields(AuditEvent))
_SORTED = orjson.OPT_SORT_KEYS
_EMPTY_HASH = b'"hash":""'


def chained_line(
    data: dict[str, Any], prev: str, key: bytes | None = None, *, presorted: bool = False
) -> tuple[bytes, str]:
    """The JSON line of an event's fields chained after ``prev``, and its hash.

    ``presorted``: every mapping in ``data`` already has its keys in sorted order,
    ``prev`` and ``hash`` included, so the serialisation needs no sorting.

    The same bytes as ``AuditEvent(**data).chained(prev).to_json()``: the hash covers
    the sorted-key JSON with ``"hash": ""``, and the digest is then spliced into that
    one serialisation instead of serialising again. The top-level ``"hash":""`` is
    the last such byte sequence: the only nested object (``extra``) sorts before it,
    and the keys after it hold scalars or lists of strings.
    """
    data["prev"] = prev
    data["hash"] = ""
    unhashed = orjson.dumps(data) if presorted else orjson.dumps(data, option=_SORTED)
    digest = (
        hashlib.sha256(unhashed).hexdigest()
        if key is None
        else hmac.digest(key, unhashed, "sha256").hex()
    )
    at = unhashed.rindex(_EMPTY_HASH) + len(_EMPTY_HASH) - 1
    return unhashed[:at] + digest.encode() + unhashed[at:], digest


def _matches(rule: AlertRule, ctx: Context) -> bool:
    if rule.operation is not None and (ctx.route is None or ctx.route.key != rule.operation):
        return False
    if rule.reason.startswith("status:"):
        return str(ctx.status) == rule.reason[len("status:") :]
    return ctx.refusal is not None and ctx.refusal.rule.value == rule.reason


REQUEST_ID_HEADER = b"x-request-id"
"""The client's own request id, kept beside the guard's: a scanner's id ties its probe to this line."""
_MAX_CLIENT_ID = 128


def _extra(ctx: Context, refusal: Refusal | None) -> dict[str, Any]:
    extra: dict[str, Any] = {}  # keys in sorted order, as chained_line's presorted needs
    if refusal is not None and ctx.auth_failure is not None:
        extra["authentication"] = ctx.auth_failure
    given = ctx.header(REQUEST_ID_HEADER)
    if given is not None:
        # The client chooses it: bounded, and never mistaken for the guard's own id.
        extra["client_request_id"] = given[:_MAX_CLIENT_ID].decode("latin-1")
    if ctx.decisions.get("cors") == "preflight":
        extra["cors"] = "preflight"  # the guard answered it: the API never saw it
    if refusal is not None and refusal.field:
        extra["field"] = refusal.field
    return extra


def _names(query: bytes) -> tuple[str, ...]:
    if not query:
        return ()
    names = (part.split(b"=", 1)[0].decode("latin-1") for part in query.split(b"&") if part)
    return tuple(dict.fromkeys(names))


def _text(value: bytes | None) -> str | None:
    return value.decode("latin-1") if value is not None else None
