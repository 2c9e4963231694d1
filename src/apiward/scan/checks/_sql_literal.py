"""A value spliced into a SQL string literal, where the API hides the database's errors.

``sql_injection`` reads a database error in an answer, or a true and a false condition
answered differently. An API that turns every error into a bare 500 shows neither when
the value sits in a pattern (``LIKE '%value%'``) or in parentheses ahead of more SQL
(``LIMIT ? OFFSET ?``): the quote's error says nothing, and the pairs that end in a
comment cut the query's own closing quote, parentheses and placeholders off, which breaks
it whether the condition is true or not. What is here goes only to an input that showed a
first sign: the legitimate value answered 2xx and the value with ``'"``
appended a 5xx with no database error in it.

* **pairs that hold in a pattern** — no comment: the value goes on ``%'`` and the query's
  own ``%'`` (or ``'``) closes the payload's last literal, so the parentheses stay as they
  were. ``LIKE`` compares the constants, so the condition holds whether the query closes
  the literal with ``%'`` or ``'``: ``%' AND 'n' LIKE 'n`` keeps the answer a lookup found,
  ``%' OR 'n' LIKE 'n`` widens the answer an ordinary value gets (reads and creations only).
  They are judged as the other pairs are.
* **quote balance** (:func:`balanced`) — one kind of quote appended gets a 5xx, the same
  quote doubled (an escaped quote in a SQL literal: valid again) is answered as the value
  itself is, and so is the other kind of quote appended (a control: an API that fails on
  any odd character, or on any unbalanced quote as a shell-style or search-syntax parser
  does, fails on it too). Again with a second value, so a 500 by chance is not a finding.
  A validator that refuses quotes (400) gives no first sign. It says where the value goes,
  not what an attacker reads: firm, not confirmed.
"""

from __future__ import annotations

from apiward.scan.checks._injection import Caller, Input, base_value, ordinary, probe
from apiward.scan.context import Context
from apiward.scan.transport import Reply

Pair = tuple[str, str]
QUOTES = "'\""


def keeps_like(n: int) -> Pair:
    """The pair that keeps a pattern's answer: ``LIKE '%v%' AND 'n' LIKE 'n%'`` (no comment, no OR)."""
    return f"%' AND '{n}' LIKE '{n}", f"%' AND '{n}' LIKE '{n + 1}"


def widens_like(n: int) -> Pair:
    """The pair that widens a pattern's answer to every row, with no comment to cut the query."""
    return f"%' OR '{n}' LIKE '{n}", f"%' OR '{n}' LIKE '{n + 1}"


async def balanced(ctx: Context, who: Caller, item: Input) -> tuple[str, list[Reply]] | None:
    """The quote that breaks ``item``'s value while doubled it does not, and the exchanges.

    Requests stop at the first answer that rules it out: on an input that fails on any
    quote, two or three.
    """
    value = base_value(who, item)
    sent: dict[str, Reply] = {}
    for quote in QUOTES:
        sent[quote] = await probe(ctx, who, item, value + quote, f"a {quote} appended")
        if sent[quote].status >= 500:
            break
    else:
        return None
    other = QUOTES.replace(quote, "")
    doubled = await probe(ctx, who, item, value + quote * 2, f"the {quote} doubled")
    if doubled.status != who.legit.status:
        return None
    note = f"a {other} appended (control: another odd character)"
    control = sent[other] if other in sent else await probe(ctx, who, item, value + other, note)
    if control.status != who.legit.status:
        return None
    again = await _again(ctx, who, item, quote)
    if again is None:
        return None
    return quote, [who.legit, doubled, control, *again, sent[quote]]


async def _again(ctx: Context, who: Caller, item: Input, quote: str) -> list[Reply] | None:
    """The odd and doubled quote on the ordinary value, when they are answered the same way again."""
    base = await ordinary(ctx, who, item)
    if base.status >= 500:
        return None
    value = str(base.sent.value(item.where, item.name))
    odd = await probe(ctx, who, item, value + quote, f"a {quote} appended to another value")
    if odd.status < 500:
        return None
    doubled = await probe(ctx, who, item, value + quote * 2, f"the {quote} doubled, another value")
    return [odd, doubled] if doubled.status == base.status else None
