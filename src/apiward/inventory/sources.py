"""Traffic formats, told apart by content, and the one entry point that reads a file.

Detection order matters: an audit log line and a HAR document are both JSON, so the
audit log (a JSON object with the event's keys on its first line) is tried first,
then HAR, then the access-log regex on the first lines.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from apiward.core.registry import Registry
from apiward.inventory import accesslog, auditlog, har
from apiward.inventory.observation import Batch, TrafficError

_HEAD = 64 * 1024


@dataclass(frozen=True, slots=True, kw_only=True)
class Format:
    """A traffic file format: how to recognise it and how to read it."""

    name: str
    description: str
    sniff: Callable[[str], bool]
    read: Callable[[Path, str], Batch]


FORMATS = Registry[Format](
    "traffic format",
    (
        (m.NAME, Format(name=m.NAME, description=d, sniff=m.sniff, read=m.read))
        for m, d in (
            (auditlog, "apiward guard audit log (JSONL)"),
            (har, "HAR 1.2"),
            (accesslog, "nginx/Apache combined or common access log"),
        )
    ),
)


def read_traffic(path: str | Path, format: str | None = None) -> Batch:
    """Read one traffic file, in ``format`` or in the format its content shows."""
    source = str(path)
    head = _head(Path(path), source)
    chosen = _chosen(format, source) if format else _detect(head, source)
    batch = chosen.read(Path(path), source)
    if not batch.observations and batch.skipped:
        raise TrafficError(
            f"no line of it is a {chosen.description} record",
            source=source,
            line=batch.first_skipped if chosen.name != har.NAME else None,
        )
    return batch


def _head(path: Path, source: str) -> str:
    try:
        with path.open("rb") as file:
            data = file.read(_HEAD)
    except OSError as error:
        raise TrafficError(f"cannot read it: {error.strerror or error}", source=source) from None
    if not data.strip():
        raise TrafficError("the file is empty", source=source)
    return data.decode("utf-8", errors="replace")


def _chosen(name: str, source: str) -> Format:
    try:
        return FORMATS.get(name)
    except KeyError as error:
        raise TrafficError(str(error.args[0]), source=source) from None


def _detect(head: str, source: str) -> Format:
    for candidate in FORMATS:
        if candidate.sniff(head):
            return candidate
    first = next(n for n, line in enumerate(head.splitlines(), start=1) if line.strip())
    known = ", ".join(f.description for f in FORMATS)
    raise TrafficError(f"not a known traffic format (expected {known})", source=source, line=first)
