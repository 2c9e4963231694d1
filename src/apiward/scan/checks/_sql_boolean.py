"""The boolean pairs of ``sql_injection``: a true and a false condition, and how they are judged.

A pair holds when its two answers differ (payload echoes scrubbed), the true one was not
answered like an ordinary new value (taken as a value, as the false one would be), and
one of them is the legitimate answer: the true condition keeps it while the false one
empties it, or the false one keeps it while the true one widens it.

Each pair is sent **alone** (``Context.alone``): in a full scan other checks create and
delete objects of the very collection a search lists, and a list that changed between
the answers compared hides a differential or makes one. The legitimate answer every
check shares was taken earlier, maybe before those changes: where the two answers differ
but neither is it, a read's legitimate request goes again in the same quiet and is the
one compared with (a write's is not repeated: it would make or change something again).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable

from apiward.scan.checks._injection import Caller, Input, base_value, number, ordinary, probe, scrub
from apiward.scan.context import Context
from apiward.scan.diff import SAME, leaves, similarity
from apiward.scan.request import READS
from apiward.scan.transport import Reply

Pair = tuple[str, str]
Build = Callable[[int], Pair]

# The pairs that widen the legitimate answer, true condition first (see keeps for the other).
WIDENS: tuple[Build, ...] = (
    lambda n: (f"' OR {n}={n}-- ", f"' AND {n}={n + 1}-- "),
    lambda n: (f'" OR {n}={n}-- ', f'" AND {n}={n + 1}-- '),
)


def keeps(n: int) -> Pair:
    """The pair that keeps the legitimate answer: no comment, no OR (updates get it too)."""
    return f"' AND '{n}'='{n}", f"' AND '{n}'='{n + 1}"


async def differential(
    ctx: Context, who: Caller, item: Input, value: str, build: Build
) -> tuple[Reply, Reply, Reply] | None:
    """The legitimate answer, the true and the false condition's, when the pair holds."""
    yes, no = (value + p for p in build(number()))
    await ordinary(ctx, who, item)  # in hand before other traffic is held back
    async with ctx.alone():
        true = await probe(ctx, who, item, yes, "a true condition appended")
        if not true.ok or await like_ordinary(ctx, who, item, true, yes):
            return None  # the false condition could not make a difference then
        false = await probe(ctx, who, item, no, "a false condition appended")
        t, f = comparable(true, [yes, value]), comparable(false, [no, value])
        if similarity(t, f) >= SAME:
            return None
        if _holds(who.legit, false, t, f, value):
            return who.legit, true, false
        if who.request.method.upper() not in READS:
            return None
        note = "the legitimate request again (what it lists may have changed)"
        now = await ctx.send(who.request, as_=who.identity, note=note)
    return (now, true, false) if _holds(now, false, t, f, value) else None


def _holds(legit: Reply, false: Reply, t: str, f: str, value: str) -> bool:
    """Whether the true answer ``t`` keeps ``legit``'s, or the false ``f`` does (the true widens it)."""
    plain = comparable(legit, [value])
    kept = false.ok and similarity(t, plain) >= SAME
    return kept or (false.status == legit.status and similarity(f, plain) >= SAME)


_VOLATILE = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?"  # a timestamp
    r"|\b(?=[\w-]*\d)(?=[\w-]*[a-z])[\w-]{12,}\b",  # a key, token or id: letters and digits
    re.IGNORECASE,
)


def comparable(reply: Reply, payloads: list[str]) -> str:
    """``reply``'s text without the payloads' echoes, the other strings its request sent (a
    creation's fresh serial and name) and what the server makes anew each time (a device
    key, a timestamp): the Tornado trial's creations differed by those alone, and a pair of
    them had been called a boolean SQL injection."""
    body = reply.sent.body
    values = [json.loads(v) for _, v in leaves(body)] if body else []
    sent = [v for v in values if isinstance(v, str) and len(v) >= 3]
    return _VOLATILE.sub("\x01", scrub(reply.text, [*payloads, *sent]))


async def like_ordinary(ctx: Context, who: Caller, item: Input, true: Reply, sent: str) -> bool:
    """Whether the true condition was answered like an ordinary new value.

    Pasted into SQL, a true condition keeps the legitimate answer where an ordinary value
    does not, or widens the one it shares with an ordinary value; answered like any
    other value, it was taken as a value, and a false condition would be too.
    """
    other = await ordinary(ctx, who, item)
    mine = scrub(true.text, [sent, base_value(who, item)])
    return other.status == true.status and similarity(mine, plain(other, who, item)) >= SAME


def plain(other: Reply, who: Caller, item: Input) -> str:
    """The answer to the ordinary value, its echoes scrubbed."""
    sent = other.sent.value(item.where, item.name)
    return scrub(other.text, ["" if sent is None else str(sent), base_value(who, item)])
