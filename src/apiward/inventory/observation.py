"""One request seen in traffic, whatever file it came from, and what a reader returns."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

from apiward.core.errors import ApiwardError


class TrafficError(ApiwardError):
    """A traffic file that cannot be read or is in no format apiward knows."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Observation:
    """One HTTP request and its outcome, as a traffic source recorded it."""

    method: str
    path: str
    """The raw path, query string excluded."""
    query: tuple[str, ...] = ()
    """Query parameter names (values are not kept: they can carry secrets)."""
    status: int | None = None
    time: datetime | None = None
    request_content_type: str | None = None
    response_content_type: str | None = None
    request_body: str | None = None
    response_body: str | None = None
    client: str | None = None
    route: str | None = None
    """The contract template a guard matched, when the source says so."""
    source: str = ""
    """``file:line`` (or ``file#/log/entries/3``) where it was read."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Batch:
    """What one traffic file held: its format, the observations, and the lines skipped."""

    source: str
    format: str
    observations: tuple[Observation, ...]
    skipped: int = 0
    """Lines (or entries) that were not requests: junk, truncated, binary."""
    first_skipped: int | None = None
    """The line number of the first skipped line, to show the user where to look."""
    notes: tuple[str, ...] = ()


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive time is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_iso(text: str) -> datetime | None:
    """An RFC 3339 / ISO 8601 timestamp in UTC, or None when it is not one."""
    try:
        return utc(datetime.fromisoformat(text.strip()))
    except ValueError:
        return None


def media_type(value: str | None) -> str | None:
    """The bare media type of a Content-Type value (``application/json``), lower-cased."""
    if not value:
        return None
    return value.split(";", 1)[0].strip().lower() or None


def split_target(target: str) -> tuple[str, tuple[str, ...]] | None:
    """A request target (path, or absolute URL) → path and query parameter names; None if no URL."""
    try:
        parts = urlsplit(target)
    except ValueError:  # 'http://[::1/x': a record no request was made from
        return None
    path = parts.path or "/"
    names = tuple(dict.fromkeys(name for name, _ in parse_qsl(parts.query, keep_blank_values=True)))
    return path, names
