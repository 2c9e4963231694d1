"""Whether an object reads as it did: the fields that differ, volatile ones aside.

Shared by the restore (what to write back) and its re-check after the removals.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any

from apiward.scan._objects import VOLATILE

MISSING = object()
"""A field the object no longer has."""


def differs(before: Any, now: Any, sent: Collection[str] = ()) -> dict[str, Any]:
    """The fields of ``before`` that ``now`` shows differently (volatile ones aside).

    A field the scan's own writes ``sent`` is never volatile, whatever its name: a
    ``spent_on`` or ``opened_on`` date a probe set is the scan's change, not the clock's.
    """
    if not isinstance(before, dict):
        return {} if before == now else {"(body)": before}
    current = now if isinstance(now, dict) else {}
    return {
        k: v
        for k, v in before.items()
        if (k in sent or not VOLATILE.search(k)) and not same_state(current.get(k, MISSING), v)
    }


def same_state(now: Any, before: Any) -> bool:
    """Equal, or two spellings of one instant: an API that writes every time back as
    ``08:00:00.000Z`` was taken for one the restore could not put back (the hapi trial)."""
    if now == before:
        return True
    if not (isinstance(now, str) and isinstance(before, str) and "T" in now and "T" in before):
        return False
    try:
        one, other = datetime.fromisoformat(now), datetime.fromisoformat(before)
    except ValueError:
        return False
    return (one.tzinfo is None) == (other.tzinfo is None) and one == other
