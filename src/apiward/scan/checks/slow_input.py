"""``slow_input`` (API4): an input whose answer time grows explosively with its length (ReDoS).

Candidates are string inputs (query parameters and body properties) that the API
evidently parses: a ``pattern``, a parsed ``format`` (email, uri, hostname, date, ip...),
or a name that says so (``email``, ``url``, ``phone``, ``date``, ``regex``...). At most
``MAX_INPUTS`` per operation, patterns first. Where an operation has none, its free body
strings are screened (at most ``MAX_SCREENS`` a scan): one whose value with a ``!``
appended is refused with 400/422 naming it runs a rule the contract does not state.

For each, the input is set to
``"a" * n + "!"`` — the classic trigger of nested quantifiers, which backtrack over every
split of the ``a``s before failing on the ``!`` — for ``n`` in ``LENGTHS``, two more
characters each time, in the legitimate request (anonymous for a public operation, else
an identity's, own objects only). Times are counted as the *excess* over a floor, which
removes the fixed cost of a round trip — tens of milliseconds on some stacks: the fastest
probe while the series runs, then, once times grow, the fastest of two legitimate
requests (the control, sent only then, so an input that does not backtrack costs three). The series stops as soon as one answer's excess reaches
``STOP_SECONDS``, so a vulnerable server is held for a few seconds at most, never minutes.

A finding needs all of: the slowest excess is at least ``SLOW_SECONDS``; it grew at each
of the last ``GROWTH_STEPS`` steps, and by ``GROWTH`` or more over them (a loaded server
blurs one step, not the trend); and the same probe sent again is still slow (a busy
moment elsewhere is not a ReDoS).
Exponential growth (×4 per two characters) means a slightly longer input stalls the
server outright: medium, CWE-1333.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from apiward.core.findings import Confidence, Severity
from apiward.scan import accounts
from apiward.scan.check import Outcome, Skip, SkipReason, held
from apiward.scan.context import Context
from apiward.scan.fields import is_password
from apiward.scan.identities import Identity
from apiward.scan.request import Request, Where
from apiward.scan.transport import Reply
from apiward.scan.withhold import Withheld
from apiward.spec import Operation, ParameterLocation, Schema, json_types

LENGTHS = tuple(range(16, 34, 2))
FLAT_BY = 20
"""No growth at all by this length, or a probe faster than an earlier one from here on:
stop (backtracking doubles per character, so an exponential pattern shows tens of
milliseconds here, and every step is slower than the last)."""
STOP_SECONDS = 0.5
SLOW_SECONDS = 0.4
GROWTH_STEPS = 2
GROWTH = 2.25
NOISE_SECONDS = 0.005
MAX_INPUTS = 2
MAX_SCREENS = 12
"""Free strings a scan screens for a rule the contract does not state (one request each)."""
PARSED_FORMATS = {
    "email", "idn-email", "uri", "url", "iri", "hostname", "idn-hostname", "date",
    "date-time", "time", "ipv4", "ipv6", "phone", "regex",
}  # fmt: skip
PARSED_NAME = re.compile(
    r"e?mail|url|uri|link|website|domain|host|date|time|phone|mobile|regex|pattern|"
    r"version|semver|zip|postal",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Input:
    """A string input the API parses, and why it was chosen."""

    where: Where
    name: str
    why: str


class SlowInput:
    """Answer time exploding with an input's length: a regular expression that backtracks."""

    id = "slow_input"
    title = "Input that makes the API backtrack (ReDoS)"
    owasp = "API4:2023"
    cwe = "CWE-1333"
    safe = True  # the same request with one longer string; held a few seconds at most
    remediation = (
        "Cap input lengths before parsing (maxLength in the schema, enforced), and use "
        "regular expressions without nested quantifiers or a linear-time engine (RE2, "
        "Rust regex); prefer a real parser for e-mail addresses, URLs and dates."
    )

    async def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
        """Time each parsed input at growing lengths against the legitimate request."""
        inputs = _inputs(ctx, operation)
        free = _free(ctx, operation) if not inputs else []
        if not inputs and not free:
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail="no parsed string input")
            return
        try:
            base, who = await _base(ctx, operation)
        except Withheld as withheld:
            yield held(withheld)
            return
        if not inputs:
            inputs = await _evidently_parsed(ctx, operation, base, who, free)
        if not inputs:
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail="no parsed string input")
            return
        found: Outcome | None = None
        # Its probes are refused by a validating field, and a series stops at the first one
        # accepted: bounded, so a sign-up's e-mail pattern is timed even when nothing deletes
        # accounts (a field that takes them leaves one account, not a series of them).
        async with ctx.alone():  # other checks' traffic must not pass for backtracking
            for item in inputs:
                with accounts.bounded():
                    found = await self._series(ctx, operation, base, who, item)
                if found is not None:
                    break
        if found is not None:
            yield found

    async def _series(
        self,
        ctx: Context,
        op: Operation,
        base: Request,
        who: Identity | None,
        item: Input,
    ) -> Outcome | None:
        replies: list[Reply] = []
        for n in LENGTHS:
            probe = base.with_param(item.where, item.name, "a" * n + "!")
            replies.append(await ctx.send(probe, as_=who, note=f"{item.name}: {n} a's and !"))
            if replies[-1].ok:
                return None  # accepted: no pattern failed on it, so none backtracked either
            times = [_seconds(r) for r in replies]
            floor = min(times)  # the fastest probe stands in for the control until growth shows
            flat = n >= FLAT_BY and max(times) - floor < 2 * NOISE_SECONDS
            # Backtracking multiplies the time at every step: past FLAT_BY, a probe that is
            # not the slowest yet is noise on a busy server, not growth.
            fell = n >= FLAT_BY and times[-1] < max(times)
            if times[-1] - floor >= STOP_SECONDS or flat or fell:
                break
        if not _exploding(replies, min(_seconds(r) for r in replies)):
            return None
        controls = [await ctx.send(base, as_=who, note="control: timing") for _ in range(2)]
        control, legit = min(_seconds(r) for r in controls), controls[0]
        if not _exploding(replies, control):
            return None
        again = await ctx.send(replies[-1].sent, as_=who, note="the slowest probe, again")
        if _seconds(again) - control < SLOW_SECONDS:
            return None
        return self._finding(ctx, op, item, control, [legit, replies[0], replies[-1], again])

    def _finding(
        self, ctx: Context, op: Operation, item: Input, control: float, evidence: list[Reply]
    ) -> Outcome:
        first, last = evidence[1], evidence[-2]
        return ctx.finding(
            self,
            op,
            title=f"{op.key} backtracks on long {item.name} values",
            severity=Severity.MEDIUM,
            confidence=Confidence.FIRM,
            detail=(
                f"{item.where.value} {item.name} ({item.why}): the legitimate request takes "
                f"{control * 1000:.0f} ms; 'a'×n + '!' took {_seconds(first) * 1000:.0f} ms at "
                f"{_length(first, item)} characters and {_seconds(last) * 1000:.0f} ms at "
                f"{_length(last, item)}, growing at every step, and again "
                f"{_seconds(evidence[-1]) * 1000:.0f} ms when resent: a few more characters "
                "hold a worker for minutes."
            ),
            evidence=evidence,
            key=f"{item.where.value}:{item.name}",
        )


def _inputs(ctx: Context, operation: Operation) -> list[Input]:
    """Parsed string inputs of ``operation``: patterns first, then formats, then names."""
    found: list[tuple[int, Input]] = []
    for p in operation.parameters:
        if p.location is ParameterLocation.QUERY:
            found += _judge(Where.QUERY, p.name, ctx.api.deref(p.schema))
    schema, _ = ctx.synthesizer.body_schema(operation)
    for name, sub in ((schema or {}).get("properties") or {}).items():
        found += _judge(Where.BODY, str(name), ctx.api.deref(sub))
    return [item for _, item in sorted(found, key=lambda f: f[0])][:MAX_INPUTS]


def _free(ctx: Context, operation: Operation) -> list[Input]:
    """Free strings (no pattern, format, enum or telling name) the API may still parse."""
    found = []
    schema, _ = ctx.synthesizer.body_schema(operation)
    for name, sub in ((schema or {}).get("properties") or {}).items():
        sub = ctx.api.deref(sub)
        if json_types(sub) <= {"string", "null"} and "enum" not in sub and not is_password(name):
            found.append(Input(where=Where.BODY, name=str(name), why="free"))
    return found[:MAX_INPUTS]


async def _evidently_parsed(
    ctx: Context, op: Operation, base: Request, who: Identity | None, free: list[Input]
) -> list[Input]:
    r"""The free strings the API refuses a ``!`` in, naming them: it runs a rule of its own.

    An unstated rule (``^(\w+\s?)*$`` on a title) is where a backtracking regex hides.
    One request per input, at most ``MAX_SCREENS`` a scan, only where the identity's own
    legitimate request gets a 2xx.
    """
    if who is None or not (await ctx.legit(op, who)).ok:
        return []
    screens = _SCREENS.setdefault(ctx, [0])
    found = []
    for item in free:
        if screens[0] >= MAX_SCREENS:
            break
        screens[0] += 1
        value = base.value(item.where, item.name)
        probe = base.with_param(item.where, item.name, f"{'' if value is None else value}!")
        reply = await ctx.send(probe, as_=who, note=f"{item.name}: does the API refuse a '!'?")
        if reply.status in {400, 422} and item.name.lower() in reply.text.lower():
            why = f"the API refused a '!' in it ({reply.status}, naming it): a rule of its own"
            found.append(Input(where=item.where, name=item.name, why=why))
    return found


_SCREENS: WeakKeyDictionary[Context, list[int]] = WeakKeyDictionary()
"""Per scan, the free strings screened so far."""


def _judge(where: Where, name: str, schema: Schema) -> list[tuple[int, Input]]:
    if json_types(schema) - {"string", "null"} or "enum" in schema:
        return []
    if isinstance(schema.get("pattern"), str):
        return [(0, Input(where=where, name=name, why=f"pattern {schema['pattern'][:60]}"))]
    if schema.get("format") in PARSED_FORMATS:
        return [(1, Input(where=where, name=name, why=f"format {schema['format']}"))]
    if PARSED_NAME.search(name):
        return [(2, Input(where=where, name=name, why="a name the API parses"))]
    return []


async def _base(ctx: Context, operation: Operation) -> tuple[Request, Identity | None]:
    """The anonymous request of a public operation, else the first prober's own."""
    probers = await ctx.probers(operation)
    if operation.is_public or operation.auth_optional or not probers:
        return ctx.request(operation), None
    identity = probers[0]
    return ctx.legit_request(operation, identity), identity


def _seconds(reply: Reply) -> float:
    response = reply.exchange.response
    return (response.elapsed_ms or 0.0) / 1000 if response is not None else 0.0


def _exploding(replies: list[Reply], control: float) -> bool:
    """Far slower than the control, and the excess growing by half at each last step."""
    excess = [max(_seconds(r) - control, NOISE_SECONDS) for r in replies]
    if len(excess) <= GROWTH_STEPS or excess[-1] < SLOW_SECONDS:
        return False
    tail = excess[-(GROWTH_STEPS + 1) :]
    rising = all(later > earlier for earlier, later in itertools.pairwise(tail))
    return rising and tail[-1] >= GROWTH * tail[0]


def _length(reply: Reply, item: Input) -> int:
    value = reply.sent.value(item.where, item.name)
    return len(value) if isinstance(value, str) else 0
