"""``negative_amount`` (API6): a money-moving write that accepts a negative amount.

For each write (POST/PUT/PATCH) whose body has a numeric field named like money or a
quantity (``amount``, ``price``, ``quantity``, ``total``, ``points``...), an identity's
legitimate request — its own objects only (``scan.withhold``) — is the control and must
succeed. The probe is the same request with that field set to the *negative* of the
control's value. It is a finding when the probe succeeds like the control (a 2xx with no
failure word the control lacks); confirmed when the answer, or the object its
``Location`` names, shows the negative value.

Why the negative of the control: the legitimate request already moved ``+a``; a probe
of ``-a`` that the API accepts moves it back, so a vulnerable API ends where it started
and a fixed one refuses.

A write that names who receives (``to``, ``recipient``, ``payee``: ``_recipients``)
pays a peer identity, named by its own value (its e-mail from its login or ``GET /me``):
only a real user will do. When the negative probe is refused, the peer pays the
control's amount back; the target state says whether it did (``Ledger.moved``).
Operations behind a step-up (``POST /pin/verify`` first) get it (``scan.step_up``). Not under ``--safe``: both requests touch the identity's own
balances. High for money, medium for other quantities; CWE-1284 (the quantity is not
validated).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks._recipients import Leg, leg, recipient_fields
from apiward.scan.context import Context
from apiward.scan.entries import Moved, Sender
from apiward.scan.identities import Identity
from apiward.scan.request import WITH_BODY, Request, Where
from apiward.scan.transport import Reply
from apiward.scan.withhold import Withheld
from apiward.spec import Operation, json_types

MONEY = re.compile(
    r"amount|price|total|sum|cost|fee|balance|deposit|withdraw|payment|credit|debit|value",
    re.IGNORECASE,
)
QUANTITY = re.compile(r"quantity|qty|count|units|points|tokens|seats", re.IGNORECASE)
FAILURE = re.compile(r"error|invalid|fail|denied|not allowed|must be|negative", re.IGNORECASE)


class NegativeAmount:
    """A negative amount or quantity accepted by a write that moves value."""

    id = "negative_amount"
    title = "Negative amount accepted"
    owasp = "API6:2023"
    cwe = "CWE-1284"
    safe = False  # moves the identity's own money back and forth
    remediation = (
        "Validate every amount and quantity on the server: positive, within a maximum, "
        "with the currency's precision (minimum/exclusiveMinimum in the schema, enforced), "
        "and check the sender's balance against the absolute value."
    )

    async def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
        """Send the identity's legitimate write, then the same with the amount negated."""
        fields = _fields(ctx, operation)
        if operation.method not in WITH_BODY or not fields:
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail="no numeric amount in the body")
            return
        if not ctx.identities:
            yield Skip(reason=SkipReason.NO_IDENTITIES)
            return
        recipients = recipient_fields(ctx, operation)
        for identity in ctx.identities:
            try:
                request = ctx.legit_request(operation, identity)
            except Withheld as withheld:
                yield Skip(reason=SkipReason.WITHHELD, detail=str(withheld))
                continue
            paid = leg(ctx, request, identity, recipients) if recipients else None
            if recipients and paid is None:
                continue  # no peer to pay whose own value fits the recipient field
            if paid is None:
                control = await ctx.legit(operation, identity)
            else:
                note = f"control: {identity.name} pays {paid.peer.name}"
                control = await ctx.send_stepped(paid.out, as_=identity, note=note)
                request = paid.out
            if not control.ok:
                continue
            outcome: Outcome | None = None
            for name in fields:
                outcome = await self._probe(ctx, operation, identity, request, control, name)
                if outcome is not None:
                    break
            if paid is not None:
                await _settle(ctx, paid, accepted=outcome is not None)
            if outcome is not None:
                yield outcome
            return
        detail = "no identity's legitimate write succeeded"
        if recipients:
            detail += f" (paying a peer named in {', '.join(recipients)})"
        yield Skip(reason=SkipReason.NO_ACCESS, detail=detail)

    async def _probe(
        self,
        ctx: Context,
        op: Operation,
        identity: Identity,
        request: Request,
        control: Reply,
        name: str,
    ) -> Outcome | None:
        value = request.value(Where.BODY, name)
        if not isinstance(value, int | float) or isinstance(value, bool):
            return None
        negative = -value if value else -1
        probe = request.with_param(Where.BODY, name, negative)
        reply = await ctx.send_stepped(probe, as_=identity, note=f"{name}={negative}")
        if not reply.ok or _failed(reply, control):
            return None
        shown = await _shown(ctx, identity, reply, negative)
        evidence = [control, reply, *([shown] if shown is not None else [])]
        money = bool(MONEY.search(name))
        return ctx.finding(
            self,
            op,
            title=f"{op.key} accepts a negative {name}",
            severity=Severity.HIGH if money else Severity.MEDIUM,
            confidence=Confidence.CONFIRMED if shown is not None else Confidence.FIRM,
            detail=(
                f"{identity.name}'s legitimate request with {name}={value!r} succeeded "
                f"({control.status}); the same with {name}={negative!r} succeeded too "
                f"({reply.status})"
                + (", and the stored object shows it." if shown is not None else ".")
                + " Sending a negative amount reverses the direction of the operation."
            ),
            evidence=evidence,
            proof=reply,
            key=f"body:{name}",
        )


async def _settle(ctx: Context, paid: Leg, *, accepted: bool) -> None:
    """Move the control's value back from the peer, unless the negative probe already did."""
    what = f"{paid.out.method} {paid.out.path}: {paid.sender.name} paid {paid.peer.name}"
    moved = Moved(what=what, back=paid.back, backer=Sender(identity=paid.peer))
    ctx.ledger.moved.append(moved)
    if accepted:
        moved.how = "moved back by the accepted negative amount"
        return
    note = f"undo: {paid.peer.name} pays {paid.sender.name} back"
    reply = await ctx.send_stepped(paid.back, as_=paid.peer, note=note)
    if reply.ok:
        moved.how = f"{paid.peer.name} paid it back ({paid.back.method} {paid.back.path})"


def _fields(ctx: Context, operation: Operation) -> list[str]:
    """Numeric top-level body fields named like money first, then like quantities."""
    schema, _ = ctx.synthesizer.body_schema(operation)
    properties: dict[str, Any] = dict((schema or {}).get("properties", {}))
    numeric = [
        name
        for name, sub in properties.items()
        if json_types(ctx.api.deref(sub)) & {"number", "integer"}
    ]
    money = [n for n in numeric if MONEY.search(n)]
    return money + [n for n in numeric if QUANTITY.search(n) and n not in money]


def _failed(reply: Reply, control: Reply) -> bool:
    """A 2xx that says it failed where the control did not (``{"status": "fail"}``)."""
    return bool(FAILURE.search(reply.text[:2000])) and not FAILURE.search(control.text[:2000])


async def _shown(ctx: Context, identity: Identity, reply: Reply, negative: float) -> Reply | None:
    """The answer itself, or the object at its ``Location``, when it carries the value."""
    if _carries(reply.data, negative):
        return reply
    path = urlsplit(reply.header("location") or "").path
    if not path.startswith("/"):
        return None
    read = await ctx.send(
        Request(method="GET", path=path, operation=""), as_=identity, note="read back"
    )
    return read if read.ok and _carries(read.data, negative) else None


def _carries(data: Any, negative: float) -> bool:
    """The negative value anywhere in a JSON answer, as a number or a decimal string."""
    if isinstance(data, dict):
        return any(_carries(v, negative) for v in data.values())
    if isinstance(data, list):
        return any(_carries(v, negative) for v in data[:50])
    if isinstance(data, int | float) and not isinstance(data, bool):
        return float(data) == float(negative)
    if isinstance(data, str):
        try:
            return float(data) == float(negative)
        except ValueError:
            return False
    return False
