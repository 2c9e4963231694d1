"""``negative_amount`` (API6): a money-moving write that accepts a negative amount.

For each write (POST/PUT/PATCH) whose body has a numeric field (or a decimal string,
``format: decimal``) named like money or a quantity (``amount``, ``price``, ``quantity``,
``total``, ``seats``, a unit of goods such as ``tonnes``, ``kg``, ``litres``...), an identity's
legitimate request — its own objects only (``scan.withhold``) — is the control and must
succeed. The probe is the same request with that field set to the *negative* of the
control's value. It is a finding when the probe succeeds like the control (a 2xx with no
failure word the control lacks); confirmed when the answer, or the object its
``Location`` names, shows the negative value. A measure is no amount (``max_points``,
``score``, ``rating``, ``priority``: ``NOT_AMOUNTS``) unless the write gives it to
someone (points sent to a recipient are value).

Why the negative of the control: the legitimate request already moved ``+a``; a probe
of ``-a`` that the API accepts moves it back, so a vulnerable API ends where it started
and a fixed one refuses.

A write that names who receives (``to``, ``recipient``, ``payee``: ``_recipients``)
pays a peer identity, named by its own value (its e-mail from its login or ``GET /me``):
only a real user will do. When the negative probe is refused, the peer pays the
control's amount back; the target state says whether it did (``Ledger.moved``).
Operations behind a step-up (``POST /pin/verify`` first) get it (``scan.step_up``).
Not under ``--safe``: both requests touch the identity's own balances. CWE-1284 (the
quantity is not validated).

How bad it is depends on whether value moved. **High** when the answer shows it (a
holding such as ``balance`` or ``stock`` changed, a charge such as ``total_cents`` turned
negative), or for money in a write that moves value: it names a recipient, holds a
balance, or its words say so (a transfer, payment, refund, order, booking: ``MOVES``).
**Medium** for another quantity in such a write. Otherwise the negative number is
only stored on an object the caller makes (a course's price): **low, tentative**, since
it moves nothing by itself; what matters is where it is used.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason, held
from apiward.scan.checks._recipients import Leg, leg, recipient_fields
from apiward.scan.context import Context
from apiward.scan.entries import Moved, Sender
from apiward.scan.fields import tokens
from apiward.scan.identities import Identity
from apiward.scan.request import WITH_BODY, Request, Where
from apiward.scan.transport import Reply
from apiward.scan.withhold import Withheld
from apiward.spec import Operation, Schema, is_decimal_string, json_types

MONEY = re.compile(
    r"amount|price|total|sum|cost|fee|balance|deposit|withdraw|payment|credit|debit|value",
    re.IGNORECASE,
)
QUANTITY = re.compile(r"quantity|qty|count|units|tokens|seats", re.IGNORECASE)
UNITS = frozenset(
    [
        "tonnes",
        "tons",
        "tonne",
        "ton",
        "kg",
        "kgs",
        "kilos",
        "kilograms",
        "grams",
        "litres",
        "liters",
        "gallons",
        "barrels",
        "bushels",
        "pieces",
        "boxes",
        "crates",
        "bags",
        "pallets",
        "shares",
        "lots",
    ]
)
"""Whole words that count goods: ``tonnes`` of grain withdrawn from a silo's stock."""
NOT_AMOUNTS = frozenset(
    [
        "point",
        "points",
        "score",
        "scores",
        "rating",
        "ratings",
        "stars",
        "votes",
        "grade",
        "grades",
        "rank",
        "ranking",
        "scale",
        "level",
        "priority",
        "weight",
        "hours",
        "minutes",
        "days",
        "duration",
    ]
)
"""Words that make a number a measure, not value: ``max_points``, ``credit_hours``."""
NOT_THE_AMOUNT = frozenset(
    ["account", "id", "ids", "order", "position", "offset", "index", "sort", "page", "step"]
)
"""Words that never carry the amount themselves (``account_id`` holds no count)."""
MOVES = (
    "transfer",
    "payment",
    "payout",
    "refund",
    "withdraw",
    "deposit",
    "charge",
    "checkout",
    "purchase",
    "order",
    "redeem",
    "topup",
    "remit",
    "booking",
    "reserv",
    "donat",
    "trade",
    "invoice",
    "wallet",
    "ledger",
    "balance",
    "stock",
    "inventor",
    "sale",
)
"""Prefixes of the words (path, operationId, summary, tags) of operations that move value."""
HELD = re.compile(r"balance|funds|wallet|credit|available|remaining|stock|inventory", re.I)
"""Keys of what a caller holds: changed by the probe, value moved."""
BALANCE = re.compile(r"balance|funds", re.I)
"""A field that is itself what a caller holds: setting it negative moves value."""
CHARGED = re.compile(r"total|charged|paid|due|cost", re.I)
"""Keys of what an operation charges: negative where the control's was not, value moved."""
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
        recipients = recipient_fields(ctx, operation)
        fields = _fields(ctx, operation, paid=bool(recipients))
        if operation.method not in WITH_BODY or not fields:
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail="no numeric amount in the body")
            return
        if not ctx.identities:
            yield Skip(reason=SkipReason.NO_IDENTITIES)
            return
        for identity in ctx.identities:
            try:
                request = ctx.legit_request(operation, identity)
            except Withheld as withheld:
                yield held(withheld)
                continue
            paid = leg(ctx, request, identity, recipients) if recipients else None
            if recipients and paid is None:
                continue  # no peer to pay whose own value fits the recipient field
            if paid is None:
                control = await ctx.legit(operation, identity)
                # As the legitimate request went: a conflict's retry, its dates or objects moved.
                request = ctx.legit_request(operation, identity)
            else:
                note = f"control: {identity.name} pays {paid.peer.name}"
                control = await ctx.send_stepped(paid.out, as_=identity, note=note)
                request = paid.out
            if not control.ok:
                continue
            outcome: Outcome | None = None
            for name in fields:
                outcome = await self._probe(
                    ctx, operation, identity, request, control, name, recipients=bool(recipients)
                )
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
        *,
        recipients: bool,
    ) -> Outcome | None:
        value = request.value(Where.BODY, name)
        negative = _negated(value)
        if negative is None:
            return None
        probe = request.with_param(Where.BODY, name, negative)
        reply = await ctx.send_stepped(probe, as_=identity, note=f"{name}={negative}")
        if not reply.ok or _failed(reply, control):
            return None
        shown = await _shown(ctx, identity, reply, float(negative))
        evidence = [control, reply, *([shown] if shown is not None else [])]
        moved = _moved(control.data, reply.data, name)
        money = _kind(name, paid=recipients) == "money"
        if moved or (money and (recipients or _moves(op) or BALANCE.search(name))):
            severity, confidence = Severity.HIGH, None
            effect = " Sending a negative amount reverses the direction of the operation"
            effect += f" ({', '.join(moved)} moved the other way)." if moved else "."
        elif _moves(op):
            severity, confidence = Severity.MEDIUM, None
            effect = " Sending a negative quantity reverses the direction of the operation."
        else:
            severity, confidence = Severity.LOW, Confidence.TENTATIVE
            effect = (
                f" It is stored on an object {identity.name} makes, and moves no money or stock "
                "by itself: what matters is where it is used (an order of it, a refund from it)."
            )
        return ctx.finding(
            self,
            op,
            title=f"{op.key} accepts a negative {name}",
            severity=severity,
            confidence=confidence
            or (Confidence.CONFIRMED if shown is not None else Confidence.FIRM),
            detail=(
                f"{identity.name}'s legitimate request with {name}={value!r} succeeded "
                f"({control.status}); the same with {name}={negative!r} succeeded too "
                f"({reply.status})"
                + (", and the stored object shows it." if shown is not None else ".")
                + effect
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


def _fields(ctx: Context, operation: Operation, *, paid: bool) -> list[str]:
    """Numeric top-level body fields named like money first, then like quantities.

    A decimal written as a string (``"amount": "12.50"``, ``format: decimal``: Django REST
    Framework's money fields) is numeric, and negated as a string (``"-12.50"``).
    """
    schema, _ = ctx.synthesizer.body_schema(operation)
    properties: dict[str, Any] = dict((schema or {}).get("properties", {}))
    numeric = [name for name, sub in properties.items() if _numeric(ctx.api.deref(sub))]
    money = [n for n in numeric if _kind(n, paid=paid) == "money"]
    return money + [n for n in numeric if _kind(n, paid=paid) == "quantity"]


def _numeric(schema: Schema) -> bool:
    """A number, or a decimal written as a string."""
    return bool(json_types(schema) & {"number", "integer"}) or is_decimal_string(schema)


def _kind(name: str, *, paid: bool) -> str | None:
    """``money``, ``quantity``, or None for a number that is neither (a score, a position).

    Points or credits given to someone (``paid``: the write names who receives) are value.
    """
    words = tokens(name)
    if NOT_AMOUNTS & set(words):
        return "money" if paid else None
    words = [w for w in words if w not in NOT_THE_AMOUNT]
    if any(MONEY.search(w) for w in words):
        return "money"
    return "quantity" if any(QUANTITY.search(w) or w in UNITS for w in words) else None


TASK_ORDERS = frozenset({"work", "job", "service", "maintenance", "repair", "sort", "display"})
"""Words before ``order`` that make it a task or a sequence, not a purchase."""


def _moves(op: Operation) -> bool:
    """Whether the operation's words say it moves value: a transfer, a payment, an order..."""
    path = re.sub(r"\{[^}]*\}", " ", op.path)  # a parameter's name is not what it does
    words = tokens(" ".join((path, op.operation_id or "", op.summary, *op.tags)))
    tasks = {i + 1 for i, w in enumerate(words) if w in TASK_ORDERS}  # a work order: no sale
    return "pay" in words or any(
        w.startswith(MOVES) and not (i in tasks and w.startswith("order"))
        for i, w in enumerate(words)
    )


def _moved(control: Any, reply: Any, name: str, at: str = "") -> list[str]:
    """Keys besides ``name`` showing value moved: a holding changed, a charge turned negative."""
    if not isinstance(control, dict) or not isinstance(reply, dict):
        return []
    found = []
    for key, mine in reply.items():
        theirs = control.get(key)
        if isinstance(mine, dict):
            found += _moved(theirs, mine, name, f"{at}{key}.")
            continue
        now, before = _number(mine), _number(theirs)
        if key == name or now is None or before is None:
            continue
        if (HELD.search(key) and now != before) or (CHARGED.search(key) and now < 0 <= before):
            found.append(f"{at}{key}")
    return found


def _negated(value: Any) -> int | float | str | None:
    """The negative of a number, or of a decimal string as one (``"-5.00"``); -1 for zero."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return -value if value else -1
    if not isinstance(value, str):
        return None
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    return str(-amount if amount else Decimal(-1).quantize(amount))


def _number(value: Any) -> float | None:
    """``value`` as a number, None when it is not one (booleans are not)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


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
