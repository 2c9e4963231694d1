"""The time-based half of ``sql_injection``: sleep payloads per engine, and how a delay is judged.

A payload is slow when it takes most of the asked delay longer than the legitimate request;
it counts only when it is slow twice, alone, while the same payload with no delay is not.
"""

from __future__ import annotations

from collections.abc import Callable

from apiward.scan.checks._injection import Caller, Input, elapsed, probe
from apiward.scan.context import Context
from apiward.scan.transport import Reply

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


def is_slow(reply: Reply, who: Caller, expected: float) -> bool:
    """Whether ``reply`` took most of ``expected`` seconds longer than the legitimate request."""
    return elapsed(reply) - elapsed(who.legit) >= expected * 0.7


async def delayed(
    ctx: Context,
    who: Caller,
    item: Input,
    value: str,
    build: Callable[[float], str],
    size: float,
    expected: float,
    slow: Reply | None = None,
) -> list[Reply] | None:
    """The control and two slow replies, when the payload is slow twice and the control is not.

    The control and the repeat are only sent once the payload (``slow``, when already
    sent) is slower than the legitimate request: on an API that is not injectable, a
    payload costs one request. They are sent alone (``ctx.alone``) with the payload once
    more, since another check's sleep in flight slows every answer: a fast endpoint must
    not look injectable for it.
    """
    slow = slow or await probe(ctx, who, item, value + build(size), "delay payload")
    if not is_slow(slow, who, expected):
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
