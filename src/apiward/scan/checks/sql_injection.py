"""``sql_injection``: free-text inputs pasted into SQL, shown four ways.

For every free-text input of an operation some identity may call, in this order and
stopping at the first that shows it:

* **error-based** — the value with ``'"`` appended (a quote of each kind: whichever
  delimits the value, or none, the query breaks) gets an answer with a database's error
  signature (SQLite, PostgreSQL, MySQL/MariaDB, SQL Server, Oracle) that the legitimate
  answer does not have. Confirmed when the same value with both quotes doubled (valid
  SQL again, in either kind of string) has no signature. Only when validation refused
  the pair do the two quotes go one by one: a filter may refuse ``"`` and not ``'``.
* **boolean-differential** — a true and a false condition appended to the value, with
  random constants. It holds when the two answers differ (payload echoes scrubbed),
  both are accepted, and one of them is the legitimate answer: the true condition keeps
  it while the false one empties it, or the false one keeps it while the true one
  widens it. Confirmed when it holds again with fresh constants. Each pair goes with
  no other request in flight, and a read's legitimate request again where the shared
  answer is older than what others wrote meanwhile (``_sql_boolean``). Which pairs go follows
  from the answer to an *ordinary* new value (``_injection.ordinary``), which is what a
  false condition gets when pasted: where it differs from the legitimate answer (a
  lookup that found something), ``' AND 'k'='k`` / ``' AND 'k'='j`` (keeps); where it
  does not (nothing found, or a creation), ``' OR 4821=4821-- `` / ``' AND 4821=4822-- ``
  and their ``"`` forms (widens): the other pairs could not tell the two apart (after
  a first sign, a read's legitimate request goes again first: what the shared answer
  listed may be gone). The
  false condition goes only when the true one was not answered like the ordinary value
  (taken as a value, as a false one would be).
* **time-based** (not under ``--safe``) — sleeps for PostgreSQL, MySQL, SQL Server and a
  heavy SQLite expression, each against the same payload with a zero delay: slow
  twice while the control is fast is confirmed. Only for inputs that showed nothing else
  and were not shown to take the value as data (``_as_data``: a lookup, or the quotes
  kept intact in an ordinary 2xx); each engine's payload goes to all of them in
  one request where that gets no reaction (``_injection.screened``), and the control
  and the repeats only where it was slow.

Where the quotes got a bare 5xx (errors hidden) and an ordinary value did not, a value
spliced into a literal gets more (``_sql_literal``): pairs with no comment, which hold
inside ``LIKE '%value%'`` and parentheses, among the boolean pairs; then, found by
nothing else, the **quote balance** (firm, before the delays): one quote breaks it,
doubled it does not, the other quote (a control) does not, twice.

Updates and deletes (PUT, PATCH, DELETE) get only the quotes (the error probe, the
balance) and the comment-free boolean pairs that keep an answer: ``OR``, stacked
queries and a comment that cuts the ``WHERE`` off would turn them into updates or
deletes of every row.

On an input that reaches no SQL, that is two to four requests: the quotes, the ordinary
value (shared with the other input checks), one true condition per pair; and four per
operation for the delays. The quotes and the widening true conditions go to every input
an ordinary value does not move at once first, and alone only where that told something.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks._injection import (
    REFUSED,
    Caller,
    Input,
    base_value,
    elapsed,
    fits,
    may_widen,
    number,
    ordinary,
    probe,
    reacted,
    screened,
    scrub,
    shared_key,
    sort_inputs,
    start,
    text_inputs,
)
from apiward.scan.checks._sql_boolean import WIDENS, Build, differential, keeps, plain
from apiward.scan.checks._sql_delays import TIMING, delayed, is_slow
from apiward.scan.checks._sql_literal import balanced, keeps_like, widens_like
from apiward.scan.context import Context
from apiward.scan.diff import SAME, similarity
from apiward.scan.request import READS
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

QUOTES = "'\""
"""Both kinds of quote: appended, they break a query whichever delimits the value."""


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
        items += [i for i in sort_inputs(ctx, operation) if i not in items]
        who = await start(ctx, operation, items, "no free-text input")
        if isinstance(who, Skip):
            yield who
            return
        found = False
        rest: list[Input] = []
        await _quotes_together(ctx, who, items)
        for item in items:
            if outcome := await self._error(ctx, operation, who, item):
                found = True
                yield outcome
            else:
                rest.append(item)
        async for outcome in self._booleans(ctx, operation, who, rest):
            found = True
            yield outcome
        for item in [i for i in rest if await _broke(ctx, who, i)]:
            if outcome := await self._balance(ctx, operation, who, item):
                rest.remove(item)
                found = True
                yield outcome
        blind = [
            item
            for item in rest
            if not ctx.safe and may_widen(operation) and not await _as_data(ctx, who, item)
        ]
        async for outcome in self._timing(ctx, operation, who, blind):
            found = True
            yield outcome
        if ctx.safe and not found:
            yield Skip(
                reason=SkipReason.UNSAFE, detail="time-based probes (errors and booleans ran)"
            )

    async def _error(
        self, ctx: Context, operation: Operation, who: Caller, item: Input
    ) -> Outcome | None:
        if SIGNATURES.search(who.legit.text):
            return None
        screen = await _quoted(ctx, who, item, QUOTES)
        quotes = [QUOTES]
        if SIGNATURES.search(screen.text) is None:
            if screen.status not in REFUSED or not await reacted(ctx, who, item, screen):
                return None
            quotes = ["'", '"']  # validation refused the pair: one kind may be let through
        for quote in quotes:
            attack = screen if quote == QUOTES else await _quoted(ctx, who, item, quote)
            found = SIGNATURES.search(attack.text)
            if found is None:
                continue
            value = base_value(who, item)
            doubled = "".join(q * 2 for q in quote)
            balanced = await probe(ctx, who, item, value + doubled, "the quotes doubled")
            confirmed = SIGNATURES.search(balanced.text) is None
            detail = (
                f"Appending {quote} to {item.name} made the answer carry a database error "
                f"({found.group(0)!r}) the legitimate answer does not have"
                + (", and doubling it (valid SQL again) made the error go." if confirmed else ".")
            )
            evidence = [who.legit, balanced, attack]
            return self._finding(ctx, operation, item, "error-based", detail, evidence, confirmed)
        return None

    async def _booleans(
        self, ctx: Context, operation: Operation, who: Caller, items: list[Input]
    ) -> AsyncIterator[Outcome]:
        """Each input's pairs; a widening pair's true condition first to every input at once.

        ``items`` loses those found injectable (the delays need not try them). The keeping
        pair goes to each input alone: it suits inputs an ordinary value changes the answer
        of, and any one of them changed would hide another's kept answer.
        """
        pairs = {item.key: await _pairs(ctx, operation, who, item) for item in items}
        for build in (keeps, keeps_like, *WIDENS, widens_like):
            group = [item for item in items if build in pairs[item.key]]
            if build is not keeps:
                group = await _telling(ctx, who, group, build)
            for item in group:
                if outcome := await self._boolean(ctx, operation, who, item, build):
                    items.remove(item)
                    yield outcome

    async def _boolean(
        self,
        ctx: Context,
        operation: Operation,
        who: Caller,
        item: Input,
        build: Build,
    ) -> Outcome | None:
        value = base_value(who, item)
        first = await differential(ctx, who, item, value, build)
        if first is None:
            return None
        # A differential that fresh constants do not repeat is noise: an operation that
        # creates something answers each probe a little differently (new ids, counts).
        if await differential(ctx, who, item, value, build) is None:
            return None
        legit, true, false = first
        detail = (
            f"{item.name} with a true condition appended ({true.sent.value(item.where, item.name)!r}) "
            f"and with a false one got different answers, one of them the legitimate answer: "
            "the condition was evaluated as SQL (again with fresh constants)."
        )
        evidence = [legit, false, true]
        return self._finding(ctx, operation, item, "boolean", detail, evidence, True)

    async def _balance(
        self, ctx: Context, operation: Operation, who: Caller, item: Input
    ) -> Outcome | None:
        if (found := await balanced(ctx, who, item)) is None:
            return None
        quote, evidence = found
        detail = (
            f"{item.name} with a {quote} appended got a server error, twice, with two values; "
            f"with the {quote} doubled (an escaped quote in a SQL string literal) and with the "
            "other quote appended it was answered as the value itself: the value is spliced "
            "into a quoted SQL literal (the database's error is hidden)."
        )
        return self._finding(ctx, operation, item, "quote balance", detail, evidence, False)

    async def _timing(
        self, ctx: Context, operation: Operation, who: Caller, items: list[Input]
    ) -> AsyncIterator[Outcome]:
        """Per engine, the delay in every input at once (``screened``); then where it was slow."""
        for engine, build, scale in TIMING:
            delay = self.delay * scale
            values = [(item, base_value(who, item) + build(self.delay)) for item in items]
            replies = await screened(ctx, who, values, "delay payload")
            for item, reply in zip(list(items), replies, strict=True):
                if not is_slow(reply, who, delay):
                    continue
                alone = sum(r is reply for r in replies) == 1
                first = reply if alone else None  # a reply to this input alone is its first probe
                value = base_value(who, item)
                timed = await delayed(ctx, who, item, value, build, self.delay, delay, first)
                if timed is None:
                    continue
                items.remove(item)
                detail = (
                    f"{item.name} with a {engine} delay appended took about "
                    f"{elapsed(timed[-1]):.1f} s, twice, while the same payload with no "
                    f"delay took {elapsed(timed[0]):.1f} s."
                )
                evidence = [who.legit, *timed]
                yield self._finding(
                    ctx, operation, item, f"time-based ({engine})", detail, evidence, True
                )

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


async def _quotes_together(ctx: Context, who: Caller, items: list[Input]) -> None:
    """The quotes to every input an ordinary value does not move, in one request.

    Where no input reacts to that (``_injection.reacted``) and it shows no database error,
    the answer stands for each input's own (``_quoted`` sends nothing more); else each
    goes alone. Inputs an ordinary value moves (lookups) go alone: one changed would hide
    how another answers.
    """
    values = []
    for item in items:
        value = base_value(who, item) + QUOTES
        if (await ordinary(ctx, who, item)).status == who.legit.status and fits(ctx, item, value):
            values.append((item, value))
    if len(values) < 2:
        return
    request = who.request
    for item, value in values:
        request = request.with_param(item.where, item.name, value)
    joint = await ctx.send(request, as_=who.identity, note=f"a {QUOTES} appended, in every input")
    if SIGNATURES.search(joint.text) or [i for i, _ in values if await reacted(ctx, who, i, joint)]:
        return
    for item, _ in values:
        await ctx.shared(
            shared_key("sql_injection: quote", who, item, QUOTES), lambda: _given(joint)
        )


async def _given(reply: Reply) -> Reply:
    """``reply``, as an answer already received."""
    return reply


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
    return (await _quoted(ctx, who, item, QUOTES)).status == other.status


async def _as_data(ctx: Context, who: Caller, item: Input) -> bool:
    """Whether the quoted value was shown to be taken as data: looked up, or kept intact.

    A lookup (``_a_lookup``); or the quotes got an ordinary value's 2xx with the value
    echoed whole: stored or used with its quotes, where pasted they would have broken
    the statement. A delay payload would be taken the same way: no time-based probe.
    A hidden error that echoes the raw input is the boolean probes' catch.
    """
    if await _a_lookup(ctx, who, item):
        return True
    quoted = await _quoted(ctx, who, item, QUOTES)
    other = await ordinary(ctx, who, item)
    # The value as it went out: a sign-up's unique fields are made anew for each probe.
    sent = str(quoted.sent.value(item.where, item.name))
    return quoted.ok and quoted.status == other.status and scrub(quoted.text, [sent]) != quoted.text


async def _telling(ctx: Context, who: Caller, items: list[Input], build: Build) -> list[Input]:
    """The ``items`` whose widening true condition of ``build`` may tell something.

    The inputs it keeps within their declared length and pattern get it in one request;
    it tells nothing where that answer is every input's ordinary one (echoes of every
    value scrubbed): each took it as a value, and none widened the answer (changing an
    input an ordinary value does not move hides nothing). The others, and all of them
    when it told, go on alone.
    """
    together = [i for i in items if fits(ctx, i, base_value(who, i) + build(9999)[0])]
    if len(together) < 2:
        return items
    request, payloads = who.request, []
    for item in together:
        value = base_value(who, item)
        request = request.with_param(item.where, item.name, value + build(number())[0])
        payloads += [str(request.value(item.where, item.name)), value]
    note = "a true condition appended, in every input"
    joint = await ctx.send(request, as_=who.identity, note=note)
    mine = scrub(joint.text, payloads)
    for item in together:
        other = await ordinary(ctx, who, item)
        sent = other.sent.value(item.where, item.name)
        plain = scrub(other.text, ["" if sent is None else str(sent), *payloads[1::2]])
        if other.status != joint.status or similarity(mine, plain) < SAME:
            return items
    return [i for i in items if i not in together]


async def _pairs(ctx: Context, operation: Operation, who: Caller, item: Input) -> tuple[Build, ...]:
    """The boolean pairs that could show a differential on ``item`` (see the module docstring).

    Pasted, a false condition gets what an ordinary new value gets (nothing matches
    either). Where that is the legitimate answer, only a true condition that widens it
    can differ; where it is not, only one that keeps it can be the legitimate answer.
    Updates and deletes get no widening pair: no OR, no comment cutting the WHERE off.
    """
    like = await _broke(ctx, who, item)  # the pairs for a pattern only after a first sign
    moves = await _moves(ctx, who, item, who.legit)
    if moves and like and who.request.method.upper() in READS:
        # What the shared legitimate answer listed may be gone since (others' objects that
        # matched the value): after a first sign, a read's legitimate request goes again.
        moves = await _moves(ctx, who, item, await _legit_again(ctx, who))
    if moves:
        return (keeps, keeps_like) if like else (keeps,)
    if not may_widen(operation):
        return ()
    return (*WIDENS, widens_like) if like else WIDENS


async def _broke(ctx: Context, who: Caller, item: Input) -> bool:
    """Whether the quotes got a bare 5xx (no database error) where the value got 2xx.

    Not where an ordinary new value gets a 5xx too: any value unknown fails there.
    """
    screen = await _quoted(ctx, who, item, QUOTES)
    if not who.legit.ok or screen.status < 500 or SIGNATURES.search(screen.text):
        return False
    return (await ordinary(ctx, who, item)).status < 500


async def _moves(ctx: Context, who: Caller, item: Input, legit: Reply) -> bool:
    """Whether an ordinary new value gets an answer unlike the legitimate one, ``legit``."""
    other = await ordinary(ctx, who, item)
    if other.status != legit.status:
        return True
    return similarity(plain(other, who, item), scrub(legit.text, [base_value(who, item)])) < SAME


async def _legit_again(ctx: Context, who: Caller) -> Reply:
    """The caller's legitimate request sent again, once per operation by this check."""
    caller = who.identity.name if who.identity else ""
    key = ("sql_injection: legit again", who.request.operation, caller)
    note = "the legitimate request again (what it lists may have changed)"
    return await ctx.shared(key, lambda: ctx.send(who.request, as_=who.identity, note=note))
