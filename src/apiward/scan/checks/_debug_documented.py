"""Debug and configuration endpoints the contract itself lists (for ``debug_endpoints``).

``debug_endpoints`` probes paths the contract does not list; but an API may document its
debug page too (``GET /debug/config``, ``security: []``, "internal, remove before GA").
A GET whose path holds a debug word (:data:`WORDS`: ``debug``, ``diagnostics``,
``config``, ``settings``, ``env``, ``actuator``...) is read the way its lowest caller can:

* **public** in the contract (``security: []``, an anonymous alternative, or none said):
  once, without credentials;
* **secured**: the legitimate replies (``ctx.legit``, shared with the other checks) of the
  lowest identity (by ``rank:``, then by the role's name) and of the next one. Only a
  value both get alike counts: a server's secret is the same whoever asks, while an API
  token on one's own settings page is one's own. With one identity it is not asked.

Reported (high, confirmed) when a 2xx answer carries secret material
(:func:`._secrets.config_secrets`: ``jwtSecret``, ``DB_PASSWORD``, a private key, a URL
with a password; masked values such as ``******`` are not). A health check
(``{"status": "ok"}``) or a configuration without secrets is no finding. The cost: no
request when the contract lists no such operation, one per public one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Collection

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import CheckMeta, Outcome, Skip, SkipReason
from apiward.scan.checks._privilege import stated
from apiward.scan.checks._secrets import config_secrets, contract_values
from apiward.scan.context import Context
from apiward.scan.fields import tokens
from apiward.scan.identities import Identity
from apiward.scan.transport import Reply
from apiward.spec import Operation

WORDS = frozenset(
    {
        "debug", "diag", "diagnostic", "diagnostics", "config", "configuration", "configs",
        "settings", "env", "environ", "environment", "actuator", "pprof", "expvar",
        "phpinfo", "heapdump",
    }
)  # fmt: skip
"""Path words of a debug page, a configuration or an environment dump."""

Secrets = list[tuple[str, str, str]]


def debug_operations(operations: Collection[Operation]) -> list[Operation]:
    """The GETs among ``operations`` whose path has a debug word (``/_internal/env``)."""
    return [
        op
        for op in operations
        if op.method == "GET" and WORDS & {w for part in op.path.split("/") for w in tokens(part)}
    ]


async def documented(check: CheckMeta, ctx: Context) -> AsyncIterator[Outcome]:
    """A finding for each documented debug operation whose answer gives away secrets."""
    for op in debug_operations(ctx.probes):
        if op.is_public or op.auth_optional:
            outcome = await _anonymous(check, ctx, op)
        else:
            outcome = await _lowest(check, ctx, op)
        if outcome is not None:
            yield outcome


async def _anonymous(check: CheckMeta, ctx: Context, op: Operation) -> Outcome | None:
    reply = await ctx.send(ctx.request(op), as_=None, note="documented debug endpoint")
    found = _secrets(ctx, reply)
    return _finding(check, ctx, op, "anonymously", found, [reply]) if found else None


async def _lowest(check: CheckMeta, ctx: Context, op: Operation) -> Outcome | None:
    order = sorted(ctx.identities, key=lambda i: (*stated(i), i.name))
    if len(order) < 2:
        why = f"{op.key}: one identity cannot tell a server's secret from its own"
        return Skip(reason=SkipReason.NOT_APPLICABLE, detail=why) if order else None
    low, other = order[:2]
    replies = await asyncio.gather(ctx.legit(op, low), ctx.legit(op, other))
    theirs = {(path, value) for path, _, value in _secrets(ctx, replies[1])}
    found = [s for s in _secrets(ctx, replies[0]) if (s[0], s[2]) in theirs]
    return _finding(check, ctx, op, _as(low, other), found, list(replies)) if found else None


def _as(low: Identity, other: Identity) -> str:
    return f"to {low.name} (role {low.role or '(none)'}) and to {other.name} alike"


def _secrets(ctx: Context, reply: Reply) -> Secrets:
    if not reply.ok or reply.data is None:
        return []
    return config_secrets(reply.data, public=contract_values(ctx.api))


def _finding(
    check: CheckMeta, ctx: Context, op: Operation, who: str, found: Secrets, replies: list[Reply]
) -> Outcome:
    names = ", ".join(path for path, _, _ in found)
    listed = "; ".join(f"{path}: {kind}" for path, kind, _ in found)
    return ctx.finding(
        check,
        op,
        title=f"{op.key} answers {who} with secrets ({names})",
        severity=Severity.HIGH,
        confidence=Confidence.CONFIRMED,
        detail=(
            f"The contract lists {op.key}, a debug or configuration endpoint, and it answered "
            f"{replies[0].status} {who} with secret material ({listed}). Whoever reads it "
            "can forge tokens or reach the systems those secrets open."
        ),
        evidence=replies,
        key="documented",
    )
