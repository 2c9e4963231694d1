"""``sql_injection``: free-text inputs pasted into SQL, shown three ways.

For every free-text input of an operation some identity may call, in this order and
stopping at the first that shows it:

* **error-based** — the value with a ``'`` (then a ``"``) appended gets an answer with a
  database's error signature (SQLite, PostgreSQL, MySQL/MariaDB, SQL Server, Oracle)
  that the legitimate answer does not have. Confirmed when the same value with the
  quote doubled (valid SQL again) has no signature.
* **boolean-differential** — a true and a false condition appended to the value
  (``' AND 'k'='k`` / ``' AND 'k'='j``, and ``' OR 4821=4821-- `` / ``' AND 4821=4822-- ``)
  with random constants. It holds when the two answers differ (payload echoes
  scrubbed), both are accepted, and one of them is the legitimate answer: the true
  condition keeps it while the false one empties it, or the false one keeps it while
  the true one widens it. Confirmed when it holds again with fresh constants.
* **time-based** (not under ``--safe``) — sleeps for PostgreSQL, MySQL, SQL Server and a
  heavy SQLite expression, each against the same payload with a zero delay: slow
  twice while the control is fast is confirmed.

Updates and deletes (PUT, PATCH, DELETE) get only the error probe and the first,
comment-free boolean pair: ``OR``, stacked queries and a comment that cuts the ``WHERE``
off would turn them into updates or deletes of every row.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks._injection import (
    Caller,
    Input,
    base_value,
    elapsed,
    may_widen,
    number,
    ordinary,
    probe,
    scrub,
    shared_key,
    start,
    text_inputs,
)
from apiward.scan.context import Context
from apiward.scan.diff import SAME, similarity
from apiward.scan.transport import Reply
from apiward.spec import Operation

DELAY = 2.0
"""Seconds the sleep payloads ask for (module constant; tests build checks with less)."""

SIGNATURES = re.compile(
    r"sqlite3?\.\w*Error|SQLITE_ERROR|SQLiteException|unrecognized token:|"
    r'near "[^"]{0,40}": syntax error|no such column:|'
    r"PSQLException|psycopg2?\.errors|PG::SyntaxError|syntax error at or near|"
    r"unterminated quoted string at or near|Npgsql\.|"
    r"You have an error in your SQL syntax|check the manual that (?:corresponds|fits) to your "
    r"(?:MySQL|MariaDB)|MySqlException|com\.mysql\.jdbc|"
    r"Unclosed quotation mark after the character string|Incorrect syntax near|"
    r"System\.Data\.SqlClient|Microsoft OLE DB Provider for SQL Server|"
    r"\bORA-\d{5}\b|quoted string not properly terminated|"
    r"SQLSTATE\[|sqlalchemy\.exc\.|org\.hibernate\.exception",
    re.IGNORECASE,
)

Pair = tuple[str, str]
# The true and the false condition, appended to the legitimate value.
BOOLEAN: tuple[Callable[[int], Pair], ...] = (
    lambda n: (f"' AND '{n}'='{n}", f"' AND '{n}'='{n + 1}"),
    lambda n: (f"' OR {n}={n}-- ", f"' AND {n}={n + 1}-- "),
    lambda n: (f'" OR {n}={n}-- ', f'" AND {n}={n + 1}-- '),
)
# Sleep payloads as a function of the delay (0 is the control), and how slow a hit is.
TIMING: tuple[tuple[str, Callable[[float], str], float], ...] = (
    ("PostgreSQL", lambda d: f"'; SELECT pg_sleep({d:g})-- ", 1.0),
    ("MySQL", lambda d: f"' AND 1=(SELECT 1 FROM (SELECT SLEEP({d:g}))a)-- ", 1.0),  # noqa: S608 — a payload
    ("SQL Server", lambda d: f"'; WAITFOR DELAY '0:0:{int(d)}'-- ", 1.0),
    # No sleep in SQLite: a heavy expression (about 0.4 s per 50 MB on a laptop).
    (
        "SQLite",
        lambda d: f"' AND 1=LIKE('ABCDEFG',UPPER(HEX(RANDOMBLOB({int(d * 25_000_000) + 1}))))-- ",
        0.25,
    ),
)


class SqlInjection:
    """Input pasted into SQL: database errors, boolean differentials, delays."""

    id = "sql_injection"
    title = "SQL injection"
    owasp = "API8:2019"  # Injection: the 2023 edition folds it into others
    cwe = "CWE-89"
    safe = True  # the time-based probes are skipped under --safe, per operation
    remediation = (
        "Pass every value as a bound parameter of a prepared statement (or through the ORM's "
        "query builder); never build SQL text from input, not even after escaping."
    )

    def __init__(self, delay: float = DELAY) -> None:
        self.delay = delay

    async def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
        """Try each free-text input of ``operation`` until one shows SQL injection."""
        items = text_inputs(ctx, operation)
        who = await start(ctx, operation, items, "no free-text input")
        if isinstance(who, Skip):
            yield who
            return
        found = False
        for item in items:
            outcome = await self._input(ctx, operation, who, item)
            if outcome is not None:
                found = True
                yield outcome
        if ctx.safe and not found:
            yield Skip(
                reason=SkipReason.UNSAFE, detail="time-based probes (errors and booleans ran)"
            )

    async def _input(
        self, ctx: Context, operation: Operation, who: Caller, item: Input
    ) -> Outcome | None:
        for method in (self._error, self._boolean, self._timing):
            if method == self._timing and (
                ctx.safe or not may_widen(operation) or await _a_lookup(ctx, who, item)
            ):
                return None
            outcome = await method(ctx, operation, who, item)
            if outcome is not None:
                return outcome
        return None

    async def _error(
        self, ctx: Context, operation: Operation, who: Caller, item: Input
    ) -> Outcome | None:
        if SIGNATURES.search(who.legit.text):
            return None
        for quote in ("'", '"'):
            attack = await _quoted(ctx, who, item, quote)
            found = SIGNATURES.search(attack.text)
            if found is None:
                continue
            value = base_value(who, item)
            balanced = await probe(ctx, who, item, value + quote * 2, "the quote doubled")
            confirmed = SIGNATURES.search(balanced.text) is None
            detail = (
                f"Appending {quote} to {item.name} made the answer carry a database error "
                f"({found.group(0)!r}) the legitimate answer does not have"
                + (", and doubling it (valid SQL again) made the error go." if confirmed else ".")
            )
            evidence = [who.legit, balanced, attack]
            return self._finding(ctx, operation, item, "error-based", detail, evidence, confirmed)
        return None

    async def _boolean(
        self, ctx: Context, operation: Operation, who: Caller, item: Input
    ) -> Outcome | None:
        value = base_value(who, item)
        # On updates and deletes only the first pair: no OR, no comment cutting the WHERE off.
        for build in BOOLEAN if may_widen(operation) else BOOLEAN[:1]:
            first = await self._differential(ctx, who, item, value, build)
            if first is None:
                continue
            # A differential that fresh constants do not repeat is noise: an operation that
            # creates something answers each probe a little differently (new ids, counts).
            if await self._differential(ctx, who, item, value, build) is None:
                continue
            true, false = first
            detail = (
                f"{item.name} with a true condition appended ({true.sent.value(item.where, item.name)!r}) "
                f"and with a false one got different answers, one of them the legitimate answer: "
                "the condition was evaluated as SQL (again with fresh constants)."
            )
            evidence = [who.legit, false, true]
            return self._finding(ctx, operation, item, "boolean", detail, evidence, True)
        return None

    async def _differential(
        self, ctx: Context, who: Caller, item: Input, value: str, build: Callable[[int], Pair]
    ) -> tuple[Reply, Reply] | None:
        yes, no = (value + p for p in build(number()))
        true = await probe(ctx, who, item, yes, "a true condition appended")
        if not true.ok or await _ordinary(ctx, who, item, true, yes):
            return None  # the false condition could not make a difference then
        false = await probe(ctx, who, item, no, "a false condition appended")
        legit = scrub(who.legit.text, [value])
        t, f = scrub(true.text, [yes, value]), scrub(false.text, [no, value])
        if similarity(t, f) >= SAME:
            return None
        keeps = false.ok and similarity(t, legit) >= SAME
        widens = false.status == who.legit.status and similarity(f, legit) >= SAME
        return (true, false) if keeps or widens else None

    async def _timing(
        self, ctx: Context, operation: Operation, who: Caller, item: Input
    ) -> Outcome | None:
        value = base_value(who, item)
        for engine, build, scale in TIMING:
            delay = self.delay * scale
            replies = await _delayed(ctx, who, item, value, build, self.delay, delay)
            if replies is None:
                continue
            detail = (
                f"{item.name} with a {engine} delay appended took about {elapsed(replies[-1]):.1f} s, "
                f"twice, while the same payload with no delay took {elapsed(replies[0]):.1f} s."
            )
            return self._finding(
                ctx, operation, item, f"time-based ({engine})", detail, [who.legit, *replies], True
            )
        return None

    def _finding(
        self,
        ctx: Context,
        operation: Operation,
        item: Input,
        how: str,
        detail: str,
        evidence: list[Reply],
        confirmed: bool,
    ) -> Outcome:
        return ctx.finding(
            self,
            operation,
            title=f"SQL injection in {item.where} {item.name} ({how})",
            severity=Severity.HIGH,
            confidence=Confidence.CONFIRMED if confirmed else Confidence.FIRM,
            detail=detail,
            evidence=evidence,
            key=item.key,
        )


async def _quoted(ctx: Context, who: Caller, item: Input, quote: str) -> Reply:
    """The legitimate value with ``quote`` appended (sent once: the timing step reads it too)."""
    value = base_value(who, item) + quote
    return await ctx.shared(
        shared_key("sql_injection: quote", who, item, quote),
        lambda: probe(ctx, who, item, value, f"a {quote} appended"),
    )


async def _a_lookup(ctx: Context, who: Caller, item: Input) -> bool:
    """Whether every other value fails as a lookup, the quoted one included.

    The input finds something (the legitimate value is answered with one status, an
    ordinary new value with another) and a quote appended got the ordinary answer: the
    value was looked up and not found, not pasted into SQL (pasted, the quote would
    break the query; a hidden error that looks like "not found" is the boolean probes'
    catch). A delay payload would fail the same lookup: no time-based probe.
    """
    other = await ordinary(ctx, who, item)
    if other.status == who.legit.status:
        return False
    return (await _quoted(ctx, who, item, "'")).status == other.status


async def _ordinary(ctx: Context, who: Caller, item: Input, true: Reply, sent: str) -> bool:
    """Whether the true condition was answered like an ordinary new value (not like the legitimate one).

    Pasted into SQL, a true condition keeps the legitimate answer (``AND``) or widens it
    (``OR``); answered like any other value, it was taken as a value, and a false
    condition would be too. Only asked when the legitimate and the ordinary answers differ.
    """
    value = base_value(who, item)
    mine = scrub(true.text, [sent, value])
    if similarity(mine, scrub(who.legit.text, [value])) >= SAME:
        return False
    other = await ordinary(ctx, who, item)
    plain = scrub(other.text, [other.sent.value(item.where, item.name) or "", value])
    return other.status == true.status and similarity(mine, plain) >= SAME


async def _delayed(
    ctx: Context,
    who: Caller,
    item: Input,
    value: str,
    build: Callable[[float], str],
    size: float,
    expected: float,
) -> list[Reply] | None:
    """The control and two slow replies, when the payload is slow twice and the control is not.

    The control and the repeat are only sent once the payload is slower than the
    legitimate request: on an API that is not injectable, a payload costs one request.
    They are sent alone (``ctx.alone``) with the payload once more, since another check's
    sleep in flight slows every answer: a fast endpoint must not look injectable for it.
    """
    slow = await probe(ctx, who, item, value + build(size), "delay payload")
    if elapsed(slow) - elapsed(who.legit) < expected * 0.7:
        return None
    async with ctx.alone():
        control = await probe(
            ctx, who, item, value + build(0), "delay payload, zero delay (control)"
        )
        slow = await probe(ctx, who, item, value + build(size), "delay payload, alone")
        again = await probe(ctx, who, item, value + build(size), "delay payload, again")
    if min(elapsed(slow), elapsed(again)) - elapsed(control) < expected * 0.7:
        return None
    return [control, slow, again]
