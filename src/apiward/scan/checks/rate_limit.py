"""``rate_limit`` (API4): no throttling on a burst, or throttling a spoofed header lifts.

A bounded burst of ``BURST`` requests (env ``APIWARD_BURST``) of two representative
legitimate reads — a secured one an identity gets, and a public one, each the first in
the contract's order (shallowest path first) to answer 2xx — goes out as one client. The
choice never depends on how big the answers are: that moves with the data earlier scans
left behind, and a finding that hopped to another operation would read as a false fix. *Limited* means any 429, or any ``RateLimit*``,
``X-RateLimit-*`` or ``Retry-After`` header: an API that announces its limits is not
flagged even if this burst stayed under them.

* Not limited, and every answer a 2xx like the first: one finding for the API listing
  the operations. Not limited but the answers changed during the burst (other traffic, a
  failing backend): inconclusive, so the check is skipped — not tested, never "fixed". **Low**: a burst of ``BURST`` reads proves no abuse by itself (the
  API may throttle at a higher rate), it shows only that none was seen.
* Limited: the same burst again with ``X-Forwarded-For`` rotating per request. If no
  request is limited then, while a plain request right after still is, the limit keys
  on a header the client controls: **high**, confirmed.

Reads only: a write burst would change data while other checks compare answers.
When the burst was throttled, the check waits out a short ``Retry-After`` (at most
``COOL_DOWN`` seconds) so the checks after it are not answered 429.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks._env import count_from_env
from apiward.scan.context import Context
from apiward.scan.diff import SAME, similarity
from apiward.scan.identities import Identity
from apiward.scan.request import Request, Where
from apiward.scan.transport import Reply
from apiward.spec import Operation

BURST = count_from_env("APIWARD_BURST", 30)
COOL_DOWN = 10.0
_HEADERS = ("ratelimit", "retry-after", "x-ratelimit", "x-rate-limit")


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """An operation to burst, as whom, and its legitimate answer."""

    operation: Operation
    identity: Identity | None
    request: Request
    legit: Reply


class RateLimit:
    """Bursts of cheap reads: throttled at all, and not bypassed by a spoofed client IP."""

    id = "rate_limit"
    title = "No rate limit"
    owasp = "API4:2023"
    cwe = "CWE-770"
    safe = True  # reads only
    remediation = (
        "Rate-limit every operation per client identity (token or API key, not a header "
        "the client sets), answer 429 with Retry-After and RateLimit headers, and only "
        "trust X-Forwarded-For from your own proxies."
    )

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """Burst the representative reads; then try to lift any limit with X-Forwarded-For."""
        targets = await _targets(ctx)
        if not targets:
            yield Skip(reason=SkipReason.NO_ACCESS, detail="no read answers with a 2xx")
            return
        bursts = [(t, await _burst(ctx, t, spoof=False)) for t in targets]
        unlimited = [(t, r) for t, r in bursts if not _limited(r)]
        if unsteady := [t.operation.key for t, r in unlimited if not _steady(t.legit, r)]:
            detail = f"the answers of {', '.join(unsteady)} changed during the burst"
            yield Skip(reason=SkipReason.INCONCLUSIVE, detail=detail)
        elif unlimited:
            yield self._unlimited(ctx, unlimited)
        for target, replies in bursts:
            if _limited(replies):
                finding = await self._bypass(ctx, target, replies)
                if finding is not None:
                    yield finding
        await _cool_down([r for _, replies in bursts for r in replies])

    def _unlimited(self, ctx: Context, open_: list[tuple[Target, list[Reply]]]) -> Outcome:
        names = ", ".join(t.operation.key for t, _ in open_)
        target, replies = open_[0]
        return ctx.finding(
            self,
            target.operation,
            title=f"No rate limit seen on a burst of {BURST} requests",
            severity=Severity.LOW,
            confidence=Confidence.FIRM,
            detail=(
                f"{BURST} requests in quick succession from one client on {names}: every "
                "answer was a 2xx like the first, with no 429 and no RateLimit, "
                "X-RateLimit-* or Retry-After header. The API may still throttle at a "
                "higher rate; none was seen."
            ),
            evidence=[replies[0], replies[-1]],
            key="burst",
        )

    async def _bypass(self, ctx: Context, target: Target, plain: list[Reply]) -> Outcome | None:
        spoofed = await _burst(ctx, target, spoof=True)
        if _limited(spoofed) or not all(r.ok for r in spoofed):
            return None
        after = await ctx.send(target.request, as_=target.identity, note="plain, after")
        if after.status != 429:
            return None  # the window may simply have passed: nothing shown
        throttled = next(r for r in plain if r.status == 429)
        return ctx.finding(
            self,
            target.operation,
            title="Rate limit bypassed with a spoofed X-Forwarded-For",
            severity=Severity.HIGH,
            confidence=Confidence.CONFIRMED,
            detail=(
                f"A burst of {BURST} was throttled (429); the same burst with "
                "X-Forwarded-For changing per request was never throttled, while a plain "
                "request right after still got 429: the limit trusts a client-set header."
            ),
            evidence=[throttled, spoofed[-1], after],
            proof=spoofed[-1],
            key="header:X-Forwarded-For",
        )


async def _targets(ctx: Context) -> list[Target]:
    """The first secured read an identity gets, and the first public read, in a stable order."""
    reads = sorted(
        (op for op in ctx.probes if op.method == "GET" and "{" not in op.path),
        key=lambda op: (op.path.count("/"), len(op.path), op.path),
    )
    found: list[Target] = []
    identity = ctx.identities[0] if ctx.identities else None
    secured = [op for op in reads if not op.is_public] if identity else []
    for ops, who in ((secured, identity), ([op for op in reads if op.is_public], None)):
        for op in ops:
            if target := await _target(ctx, op, who):
                found.append(target)
                break
    return found


async def _target(ctx: Context, op: Operation, who: Identity | None) -> Target | None:
    if who is not None:
        reply = await ctx.legit(op, who)
        request = ctx.legit_request(op, who)
    else:
        request = ctx.request(op)
        reply = await ctx.send(request, as_=None, note="baseline: anonymous")
    if not reply.ok:
        return None
    return Target(operation=op, identity=who, request=request, legit=reply)


async def _burst(ctx: Context, target: Target, *, spoof: bool) -> list[Reply]:
    def one(i: int) -> Request:
        if not spoof:
            return target.request
        return target.request.with_param(Where.HEADER, "X-Forwarded-For", f"198.51.100.{i + 1}")

    note = "burst, X-Forwarded-For rotating" if spoof else "burst"
    sends = (ctx.send(one(i), as_=target.identity, note=f"{note} {i + 1}") for i in range(BURST))
    return list(await asyncio.gather(*sends))


def _limited(replies: Sequence[Reply]) -> bool:
    """Any 429, or any header that announces a rate limit."""
    return any(
        r.status == 429 or any(k.lower().startswith(_HEADERS) for k, _ in r.headers)
        for r in replies
    )


def _steady(legit: Reply, replies: Sequence[Reply]) -> bool:
    """Every answer of the burst a 2xx like the legitimate one."""
    return all(r.ok and similarity(r.text, legit.text) >= SAME for r in replies)


async def _cool_down(replies: Sequence[Reply]) -> None:
    waits = [r.header("retry-after") for r in replies if r.status == 429]
    seconds = [float(w) for w in waits if w and w.replace(".", "", 1).isdigit()]
    if seconds:
        await asyncio.sleep(min(max(seconds), COOL_DOWN))
