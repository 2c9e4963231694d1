"""``nosql_injection``: query operators accepted where the contract asks for a value.

MongoDB-style databases take operators as values (``{"$ne": x}``), and many APIs pass
JSON fields, or PHP/Express-style query keys (``name[$ne]=x``), straight into a query.
For every free-text input (and for all JSON body fields at once, as a login needs
both its fields to match): an always-true operator (``$ne`` a random string, then
``$gt`` "") against an always-false one (``$eq`` a random string). It holds when the
false one gets the legitimate answer (the random string matches nothing, as the
legitimate value did), the true one is accepted and answers differently (it matched:
more rows, a login that succeeds). Confirmed when it holds again with a fresh string.
An API that validates types refuses both and is never flagged: one refused ``$eq``
ends an input (the true operators would be refused too), and the group of every body
field is not sent when one of its fields was refused alone. The body fields' ``$eq`` goes
first to all of them at once: a refusal that names a field ends that field's probes. Only reads and
creations are probed: ``$ne`` in an update's or a delete's filter matches every record.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks._injection import (
    REFUSED,
    Caller,
    Input,
    marker,
    may_widen,
    start,
    text_inputs,
)
from apiward.scan.context import Context
from apiward.scan.diff import SAME, similarity
from apiward.scan.request import BodyKind, Request, Where
from apiward.scan.transport import Reply
from apiward.spec import Operation

_TRUE = ("$ne", "$gt")


class NoSqlInjection:
    """Operators in values: ``$ne`` matches where ``$eq`` of the same string does not."""

    id = "nosql_injection"
    title = "NoSQL operator injection"
    owasp = "API8:2019"  # Injection: the 2023 edition folds it into others
    cwe = "CWE-943"
    safe = True
    remediation = (
        "Validate that every value has the type the contract says (a string is not an "
        "object) before it reaches the query, and never build filters from raw request data."
    )

    async def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
        """Send true and false operators to each free-text query or body input."""
        if not may_widen(operation):
            yield Skip(
                reason=SkipReason.NOT_APPLICABLE,
                detail=f"{operation.method}: an operator could change or delete every record",
            )
            return
        items = [i for i in text_inputs(ctx, operation) if i.where in (Where.QUERY, Where.BODY)]
        who = await start(ctx, operation, items, "no free-text query or body input")
        if isinstance(who, Skip):
            yield who
            return
        # A form field cannot carry an object.
        json_body = who.request.body_kind is BodyKind.JSON
        items = [i for i in items if i.where is Where.QUERY or json_body]
        groups = [[item] for item in items]
        fields = [i for i in items if i.where is Where.BODY]
        if len(fields) > 1:
            groups.append(fields)  # a login needs every field to match at once
        shown = False
        refused = await _typed(ctx, who, fields)
        for group in groups:
            if refused & {i.key for i in group} and len(group) == 1:
                continue  # refused an operator with the others, by its own name
            if len(group) > 1 and (shown or refused & {i.key for i in group}):
                # One body field alone already shows it, or one was refused an operator
                # alone: with it in the group, the group is refused the same way.
                continue
            outcome = await self._group(ctx, operation, who, group)
            if outcome is None:
                continue
            if isinstance(outcome, Reply):
                refused.add(group[0].key)
                continue
            shown = shown or group[0].where is Where.BODY
            yield outcome

    async def _group(
        self, ctx: Context, operation: Operation, who: Caller, group: list[Input]
    ) -> Outcome | Reply | None:
        """A finding; or the refusal of ``$eq`` (every operator is refused then); or None."""
        names = ", ".join(i.name for i in group)
        value = marker()
        false = await _false(ctx, who, group, value)
        if false.status != who.legit.status:
            return false  # an operator refused: the true one would be too
        if similarity(false.text, who.legit.text) < SAME:
            return None  # taken for another value: the true one would be too
        for operator in _TRUE:
            first = await _true(ctx, who, group, operator, value, false)
            if first is None:
                continue
            again = await _differential(ctx, who, group, operator)
            return ctx.finding(
                self,
                operation,
                title=f"{group[0].where} {names}: query operators accepted ({operator})",
                severity=Severity.HIGH,
                confidence=Confidence.CONFIRMED if again else Confidence.FIRM,
                detail=(
                    f"{names} as {{{operator!r}: …}} got a different answer from "
                    f"{{'$eq': …}} of the same random string, which got the legitimate answer: "
                    "the operator reached the database query"
                    + (" (again with a fresh string)." if again else " (once; not repeatable).")
                ),
                evidence=[who.legit, *first],
                key=",".join(i.key for i in group),
            )
        return None


async def _differential(
    ctx: Context, who: Caller, group: list[Input], operator: str
) -> tuple[Reply, Reply] | None:
    """``$eq`` of a fresh random string and ``operator``, when they differ as an injection would."""
    value = marker()
    false = await _false(ctx, who, group, value)
    if false.status != who.legit.status or similarity(false.text, who.legit.text) < SAME:
        return None
    return await _true(ctx, who, group, operator, value, false)


async def _typed(ctx: Context, who: Caller, fields: list[Input]) -> set[str]:
    """The body fields a validator refuses an operator in, by one request with all of them.

    A refusal (400 or 422) naming a field (``"name"``, quoted as JSON quotes it) is type
    validation of that field: alone it would be refused the same way. Nothing is learnt
    from fewer than two fields (alone each is asked anyway), nor from an answer that names
    none of them.
    """
    if len(fields) < 2:
        return set()
    false = await _false(ctx, who, fields, marker())
    if false.status not in REFUSED or false.status == who.legit.status:
        return set()
    return {i.key for i in fields if f'"{i.name}"' in false.text}


async def _false(ctx: Context, who: Caller, group: list[Input], value: str) -> Reply:
    """Every input of ``group`` as ``$eq`` ``value``: matches nothing."""
    request = who.request
    for item in group:
        request = _operator(request, item, "$eq", value)
    return await ctx.send(request, as_=who.identity, note="$eq: matches nothing")


async def _true(
    ctx: Context, who: Caller, group: list[Input], operator: str, value: str, false: Reply
) -> tuple[Reply, Reply] | None:
    """The always-true ``operator``, when it is accepted and answers unlike ``false``."""
    request = who.request
    for item in group:
        request = _operator(request, item, operator, "" if operator == "$gt" else value)
    true = await ctx.send(request, as_=who.identity, note=f"{operator}: matches everything")
    if not true.ok or similarity(true.text, false.text) >= SAME:
        return None
    return false, true


def _operator(request: Request, item: Input, operator: str, value: str) -> Request:
    """``item`` as ``{operator: value}`` in a JSON body, or ``name[operator]=value`` in a query."""
    if item.where is Where.BODY:
        return request.with_param(Where.BODY, item.name, {operator: value})
    kept = tuple((k, v) for k, v in request.query if k != item.name)
    return dataclasses.replace(request, query=(*kept, (f"{item.name}[{operator}]", value)))
