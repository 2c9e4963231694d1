"""Audit events: the guard writes one per request and per security decision; inventory reads them.

One JSON object per line (JSONL). ``prev`` is the ``hash`` of the event before it in the
same log, and ``hash`` covers this event's canonical JSON with ``prev`` included: SHA-256,
or HMAC-SHA256 under a key the log's readers do not have. Unkeyed, the chain shows an
edited, removed or reordered event only to a reader who trusts that nobody recomputed
the hashes after it; keyed, nobody without the key can. ``checkpoint`` and ``seal``
events (``extra.events``: how many lines come before them) mark how long the log was;
``apiward guard verify-log`` reads all of this.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

import orjson

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditEvent:
    """One thing the guard saw or decided."""

    ts: str
    """RFC 3339 UTC timestamp, e.g. ``2026-11-29T06:00:00.123456Z``."""
    kind: str
    """``request`` (one per request, at its end), ``decision`` (a refusal or step-up), ``alert``,
    ``checkpoint`` (every so many lines) and ``seal`` (the last line of a clean shutdown)."""
    request_id: str
    method: str
    path: str
    """The canonical path the guard checked (and forwarded), query string excluded."""
    client: str
    """The client's address as the trusted-proxy rules resolved it."""
    outcome: str
    """``allowed`` or ``refused``."""
    route: str | None = None
    """The contract's path template the request matched, None for unknown routes."""
    operation_id: str | None = None
    principal: str | None = None
    """Who the request authenticated as (token subject, API key name), never the credential."""
    status: int | None = None
    reason: str | None = None
    """Why it was refused (a stable rule id such as ``authn.expired``), or the alert's rule."""
    latency_ms: float | None = None
    query: tuple[str, ...] = ()
    """Query parameter *names* only: values can carry personal data or secrets."""
    request_content_type: str | None = None
    response_content_type: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    prev: str = GENESIS
    hash: str = ""

    def chained(self, prev: str, key: bytes | None = None) -> AuditEvent:
        """This event linked after the event whose hash is ``prev``, with its own hash set."""
        linked = replace(self, prev=prev, hash="")
        return replace(linked, hash=digest(linked.to_json(), key))

    def verify(self, key: bytes | None = None) -> bool:
        """Whether ``hash`` matches the event's content (and its ``prev``), under ``key`` if given."""
        return hmac.compare_digest(self.hash, digest(replace(self, hash="").to_json(), key))

    def to_json(self) -> bytes:
        """One JSONL line, without the newline."""
        return orjson.dumps(asdict(self), option=orjson.OPT_SORT_KEYS)

    @classmethod
    def from_json(cls, line: bytes | str) -> AuditEvent:
        """Parse one JSONL line; unknown keys are ignored, missing required ones raise."""
        data = orjson.loads(line)
        if not isinstance(data, dict):
            raise TypeError("an audit event must be a JSON object")
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        if "query" in values:
            values["query"] = tuple(values["query"])
        return cls(**values)


def digest(unhashed: bytes, key: bytes | None) -> str:
    """The chain hash of an event's JSON with ``"hash": ""``: HMAC-SHA256 under a key, else SHA-256."""
    if key is None:
        return hashlib.sha256(unhashed).hexdigest()
    return hmac.digest(key, unhashed, "sha256").hex()
