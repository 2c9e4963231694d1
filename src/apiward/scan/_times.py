"""Times the synthesiser writes: fixed instants, an end an hour after its start, and a bare
string named like a time (``starts_at``, ``due_date``) written as one."""

from __future__ import annotations

from apiward.scan.fields import tokens

DATE_TIME = "2026-01-15T10:00:00Z"
DATE = "2026-01-15"
TIME = "10:00:00Z"
_ENDS = frozenset({"end", "ends", "ending", "until", "finish", "finishes", "stop", "stops", "to"})


def named(name: str) -> str | None:
    """A time for a bare string named like one (``starts_at``, ``due_date``), else None.

    The Fastify trial's update declared ``starts_at`` as ``type: string`` and parsed it as a
    date: ``"apiwardstartsat"`` got every legitimate update a 500. An end comes an hour
    after a start, so that "ends before it starts" refuses neither.
    """
    words = tokens(name)
    if len(words) < 2 and words != ["date"]:
        return None
    ends = is_end(name)
    if words[-1] in {"at", "datetime", "timestamp", "time"}:
        return later(DATE_TIME, "date-time") if ends else DATE_TIME
    if "date" in (words[0], words[-1]) or words[-1] == "on":
        return later(DATE, "date") if ends else DATE
    return None


def is_end(name: str) -> bool:
    """True for the end of a span (``ends_at``, ``endDate``, ``until``): it comes after its
    start. Declared ``format: date-time`` too: the DRF trial's bookings had ``ends_at`` equal
    to ``starts_at``, and every one was refused ("The booking must end after it starts")."""
    words = tokens(name)
    return bool(words) and words[0] in _ENDS


def later(value: str, fmt: str) -> str:
    """``value`` (a synthesised value of format ``fmt``) an hour on, or a day on for a date."""
    if fmt == "date":
        return value.replace("-15", "-16")
    return value.replace("T10:", "T11:") if fmt == "date-time" else value.replace("10:", "11:", 1)
