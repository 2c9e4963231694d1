"""``security_headers`` (API8): sensitive answers without the headers that protect them.

No new traffic: the legitimate answers to secured reads (``ctx.legit``, JSON, 2xx) are
*sensitive*: they are someone's data. Each should say ``Cache-Control: no-store`` (no
shared or browser cache keeps it), ``X-Content-Type-Options: nosniff`` (no browser
renders it as HTML) and, on an https target, ``Strict-Transport-Security``.

One finding for the whole API (headers are almost always set in one place), listing
the operations; it is filed under the operation whose answer carries the most
personal or secret fields, the one a reader should look at first. Severity is low:
a missing header is a weakness, not an exploit shown.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks._secrets import is_personal, secret_kind
from apiward.scan.checks.exposure import walk_open
from apiward.scan.context import Context
from apiward.scan.transport import Reply
from apiward.spec import Operation

MAX_LISTED = 12


@dataclass(frozen=True, slots=True, kw_only=True)
class Sensitive:
    """A sensitive answer and the protective headers it lacks."""

    operation: Operation
    reply: Reply
    missing: tuple[str, ...]
    weight: int


class SecurityHeaders:
    """Sensitive answers lacking Cache-Control: no-store, nosniff or HSTS."""

    id = "security_headers"
    title = "Sensitive answers lack security headers"
    owasp = "API8:2023"
    cwe = "CWE-693"
    safe = True
    remediation = (
        "Send Cache-Control: no-store and X-Content-Type-Options: nosniff on every answer "
        "that carries personal data (one middleware), and Strict-Transport-Security on "
        "every https answer."
    )

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """Look at every secured read's legitimate answer."""
        if not ctx.identities:
            yield Skip(reason=SkipReason.NO_IDENTITIES)
            return
        found = await asyncio.gather(*(_sensitive(ctx, op) for op in _secured_reads(ctx)))
        answers = [s for s in found if s is not None]
        if not answers:
            yield Skip(reason=SkipReason.NO_ACCESS, detail="no secured read answered with JSON")
            return
        lacking = [s for s in answers if s.missing]
        if lacking:
            yield self._finding(ctx, lacking, len(answers))

    def _finding(self, ctx: Context, lacking: list[Sensitive], total: int) -> Outcome:
        first = max(lacking, key=lambda s: (s.weight, -len(s.operation.path)))
        missing = sorted({h for s in lacking for h in s.missing})
        listed = ", ".join(s.operation.key for s in lacking[:MAX_LISTED])
        more = f" and {len(lacking) - MAX_LISTED} more" if len(lacking) > MAX_LISTED else ""
        return ctx.finding(
            self,
            first.operation,
            title=f"{len(lacking)} of {total} sensitive answers lack {', '.join(missing)}",
            severity=Severity.LOW,
            confidence=Confidence.CONFIRMED,
            detail=(
                f"Authenticated JSON answers carrying users' data come without "
                f"{', '.join(missing)}: {listed}{more}."
            ),
            evidence=[first.reply],
            key=",".join(missing),
        )


def _secured_reads(ctx: Context) -> list[Operation]:
    return [op for op in ctx.probes if op.method == "GET" and not op.is_public]


async def _sensitive(ctx: Context, operation: Operation) -> Sensitive | None:
    for identity in ctx.identities:
        reply = await ctx.legit(operation, identity)
        if reply.ok and reply.data is not None:
            return Sensitive(
                operation=operation, reply=reply, missing=missing(reply), weight=_weight(reply)
            )
    return None


def missing(reply: Reply) -> tuple[str, ...]:
    """The protective headers ``reply`` lacks."""
    lacks: list[str] = []
    if "no-store" not in (reply.header("cache-control") or "").lower():
        lacks.append("Cache-Control: no-store")
    if (reply.header("x-content-type-options") or "").strip().lower() != "nosniff":
        lacks.append("X-Content-Type-Options: nosniff")
    https = reply.exchange.request.url.startswith("https:")
    if https and not reply.header("strict-transport-security"):
        lacks.append("Strict-Transport-Security")
    return tuple(lacks)


def _weight(reply: Reply) -> int:
    """How many distinct personal or secret field names the answer carries."""
    names = {
        name
        for _, name, value, _ in walk_open(reply.data)
        if is_personal(name) or secret_kind(name, value, declared=False)
    }
    return len(names)
