"""``nosql_injection``: query operators accepted where the contract asks for a value.

MongoDB-style databases take operators as values (``{"$ne": x}``), and many APIs pass
JSON fields, or PHP/Express-style query keys (``name[$ne]=x``), straight into a query.
For every free-text input (and for all JSON body fields at once, as a login needs
both its fields to match): an always-true operator (``$ne`` a random string, then
``$gt`` "") against an always-false one (``$eq`` a random string). It holds when the
false one gets the legitimate answer (the random string matches nothing, as the
legitimate value did), the true one is accepted and answers differently (it matched:
more rows, a login that succeeds). Confirmed when it holds again with a fresh string.
An API that validates types refuses both and is never flagged. Only reads and
creations are probed: ``$ne`` in an update's or a delete's filter matches every record.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks._injection import (
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
        for group in groups:
            if len(group) > 1 and shown:
                continue  # one body field alone already shows it
            outcome = await self._group(ctx, operation, who, group)
            if outcome is not None:
                shown = shown or group[0].where is Where.BODY
                yield outcome

    async def _group(
        self, ctx: Context, operation: Operation, who: Caller, group: list[Input]
    ) -> Outcome | None:
        names = ", ".join(i.name for i in group)
        for operator in _TRUE:
            first = await _differential(ctx, who, group, operator)
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
    value = marker()
    true_value = "" if operator == "$gt" else value
    false_request, true_request = who.request, who.request
    for item in group:
        false_request = _operator(false_request, item, "$eq", value)
        true_request = _operator(true_request, item, operator, true_value)
    false = await ctx.send(false_request, as_=who.identity, note="$eq: matches nothing")
    if false.status != who.legit.status or similarity(false.text, who.legit.text) < SAME:
        return None  # an operator refused, or taken for another value: the true one would be too
    true = await ctx.send(true_request, as_=who.identity, note=f"{operator}: matches everything")
    if not true.ok or similarity(true.text, false.text) >= SAME:
        return None
    return false, true


def _operator(request: Request, item: Input, operator: str, value: str) -> Request:
    """``item`` as ``{operator: value}`` in a JSON body, or ``name[operator]=value`` in a query."""
    if item.where is Where.BODY:
        return request.with_param(Where.BODY, item.name, {operator: value})
    kept = tuple((k, v) for k, v in request.query if k != item.name)
    return dataclasses.replace(request, query=(*kept, (f"{item.name}[{operator}]", value)))
