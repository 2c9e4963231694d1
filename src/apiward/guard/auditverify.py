"""``apiward guard verify-log``: read an audit log back and name what was done to it.

Each line's hash is checked (under the audit key, when given) and so is its link to
the line before; each ``checkpoint`` and ``seal`` must count the lines before it; the
copies an anchor holds must be lines of the log. The first fault found is named:

* ``edited`` — a line's content does not match its hash (or is not an event at all);
* ``recomputed chain`` — a keyed log's line carries a plain SHA-256: someone rebuilt the
  chain without the key (only a keyed check, or an anchor, can see this);
* ``deleted`` / ``reordered`` — a line links to one that is missing, or that comes later;
* ``cut mid-line`` — the last line stops before its newline;
* ``cut tail`` — the anchor holds a checkpoint past the log's end.

A log that verifies but does not end with a ``seal`` is *unsealed*: its tail may have
been cut, or the guard has not stopped cleanly (it still runs, or was killed).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from apiward.core.events import GENESIS, AuditEvent
from apiward.guard.auditanchor import read_anchor

MARKS = frozenset({"checkpoint", "seal"})


class Tamper(StrEnum):
    """What was done to a log, by name."""

    EDITED = "edited"
    RECOMPUTED = "recomputed chain"
    DELETED = "deleted"
    REORDERED = "reordered"
    CUT_MID_LINE = "cut mid-line"
    CUT_TAIL = "cut tail"


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """The result of checking a log: what it holds, and the first fault found, if any."""

    events: int
    checkpoints: int = 0
    sealed: bool = False
    anchored: int = 0
    broken_line: int | None = None
    tamper: Tamper | None = None
    why: str = ""

    @property
    def intact(self) -> bool:
        """Whether every line verified and linked to the one before it."""
        return self.tamper is None


class NotALogError(ValueError):
    """The file's first line is no audit event: it is not a log the guard wrote."""

    def __init__(self, line: int) -> None:
        super().__init__(f"line {line} is not an audit event: not a log the guard wrote")
        self.line = line


class _Broken(Exception):  # noqa: N818 - carries a verdict out of the walk
    def __init__(self, line: int, tamper: Tamper, why: str) -> None:
        super().__init__(why)
        self.line, self.tamper, self.why = line, tamper, why


def verify_log(
    path: Path, *, key: bytes | None = None, anchor: str | None = None, name: str | None = None
) -> Verdict:
    """Check every line of a JSONL audit log, and the anchor's copies when ``anchor`` is set.

    ``name`` is the log's name at the anchor (``audit.anchor_name``; default the file's name).
    """
    raw = path.read_bytes()
    numbered = [(n, line) for n, line in enumerate(raw.split(b"\n"), start=1) if line.strip()]
    cut = bool(raw) and not raw.endswith(b"\n")
    events: list[AuditEvent] = []
    try:
        events = _parse(numbered, cut)
        _walk(events, [n for n, _ in numbered], key)
        numbers = [n for n, _ in numbered]
        anchored = _anchored(anchor, name or path.name, events, numbers) if anchor else 0
    except _Broken as broken:
        counted = sum(
            n < broken.line and e.kind not in MARKS
            for (n, _), e in zip(numbered, events, strict=False)
        )
        return Verdict(
            events=counted, broken_line=broken.line, tamper=broken.tamper, why=broken.why
        )
    return Verdict(
        events=sum(e.kind not in MARKS for e in events),
        checkpoints=sum(e.kind in MARKS for e in events),
        sealed=bool(events) and events[-1].kind == "seal",
        anchored=anchored,
    )


def _parse(numbered: list[tuple[int, bytes]], cut: bool) -> list[AuditEvent]:
    events = []
    for index, (number, line) in enumerate(numbered):
        last = index == len(numbered) - 1
        try:
            events.append(AuditEvent.from_json(line))
        except (ValueError, TypeError):
            if last and cut:
                raise _Broken(number, Tamper.CUT_MID_LINE, "the last line stops mid-way") from None
            if not events:  # nothing here was ever the guard's: wrong file, not a tampered log
                raise NotALogError(number) from None
            raise _Broken(number, Tamper.EDITED, "not an audit event") from None
    if cut and numbered:
        why = "the last line has no newline: it was cut, or its write never finished"
        raise _Broken(numbered[-1][0], Tamper.CUT_MID_LINE, why)
    return events


def _walk(events: list[AuditEvent], numbers: list[int], key: bytes | None) -> None:
    where = {event.hash: index for index, event in enumerate(events)}
    previous = GENESIS
    for index, event in enumerate(events):
        number = numbers[index]
        if not event.verify(key):
            if key is not None and event.verify(None):
                why = "its hash is a plain SHA-256, not keyed: rebuilt without the key"
                raise _Broken(number, Tamper.RECOMPUTED, why)
            why = "its content does not match its hash"
            if key is None:
                why += " (a keyed log? give the key)"
            elif index == 0:
                why += " (or the key given is not this log's)"
            raise _Broken(number, Tamper.EDITED, why)
        if event.prev != previous:
            if where.get(event.prev, -1) > index:
                raise _Broken(number, Tamper.REORDERED, "it links to a line that comes later")
            raise _Broken(number, Tamper.DELETED, "the line it links to is missing")
        if event.kind in MARKS and event.extra.get("events") != index:
            why = f"it counts {event.extra.get('events')} lines before it; there are {index}"
            raise _Broken(number, Tamper.DELETED, why)
        previous = event.hash


def _anchored(url: str, name: str, events: list[AuditEvent], numbers: list[int]) -> int:
    if not events:
        return 0
    known, copies = read_anchor(url, name, events[0].hash)
    if not known:
        why = f"the anchor knows no log {name!r} that starts with this line: rebuilt from it"
        raise _Broken(numbers[0], Tamper.RECOMPUTED, why)
    for index, value in sorted(copies.items()):
        kind, _, digest = value.partition(":")
        if index >= len(events):
            last = numbers[-1]
            why = f"the anchor holds a {kind} at line {index + 1}; the log ends at line {last}"
            raise _Broken(last, Tamper.CUT_TAIL, why)
        if events[index].hash != digest:
            why = f"the anchor holds another {kind} for this line: the chain was rebuilt"
            raise _Broken(numbers[index], Tamper.RECOMPUTED, why)
    return len(copies)
