"""Zombie versions (API9): deprecated operations still answering, older versions still live.

* ``deprecated_operation`` (per operation): the contract marks it ``deprecated`` yet an
  identity's legitimate request gets a 2xx with data → medium. High when it also lacks
  a check its current version has: the same request *without credentials* gets the
  data from the deprecated operation while the current one (same method, the path with
  a higher version segment) refuses it.
* ``old_versions`` (once): for documented reads whose path carries a version segment
  (``/v2/``), the same request with each lower version (``/v1/``; ``/v0/`` below a ``v1``) when
  the contract does not document that path; when no path carries one but the target's
  base path does (``servers: [{url: /api/v1}]``, the Express trial's), the same request
  under each lower base (``/api/v0/orders/{id}``); when neither does, the same read as
  a ``v1`` (``/api/v1/invoices/{n}``). Live when it answers 2xx with a body
  that looks like the current answer (most of its JSON keys, or similar text) and not
  like the API's answer to random paths. Medium; high when it answers without
  credentials while the current one refuses, or gives personal or secret fields the
  current answer does not (the Nest trial's ``/api/v1`` user with its password hash).
  At most ``MAX_OLD`` requests.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

from apiward.core.findings import Confidence, Severity
from apiward.core.sensitive import classify_name, classify_value
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks._discovery import (
    documented,
    fingerprint,
    segments,
    versions,
    with_version,
)
from apiward.scan.context import Context
from apiward.scan.diff import leaves, meaningful, similarity
from apiward.scan.identities import Identity
from apiward.scan.request import Request
from apiward.scan.transport import Reply
from apiward.scan.withhold import Withheld
from apiward.spec import Api, Operation

MAX_OLD = 60
ALIKE = 0.5
_REMEDIATION = (
    "Retire deprecated and old versions on a published date: answer 410 Gone, remove "
    "their routes, and until then give them exactly the current version's checks."
)


class DeprecatedOperation:
    """Operations the contract deprecates that still serve data."""

    id = "deprecated_operation"
    title = "Deprecated operation still answers"
    owasp = "API9:2023"
    cwe = "CWE-1059"
    safe = True
    remediation = _REMEDIATION

    async def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
        """Does the deprecated ``operation`` still answer, and more loosely than its successor?"""
        if not operation.deprecated:
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail="not deprecated")
            return
        if not ctx.identities:
            yield Skip(reason=SkipReason.NO_IDENTITIES)
            return
        found = await _answering(ctx, operation)
        if found is None:
            return  # retired for real: nobody gets data from it
        identity, legit = found
        successor = _successor(ctx.api, operation)
        if successor is not None and successor not in ctx.probes:
            successor = None  # never compare with an operation the scan must not send
        weaker = await _weaker(ctx, operation, successor, identity, legit)
        yield _finding(self, ctx, operation, identity, successor, [legit], weaker)


class OldVersions:
    """Older versions of documented paths, undocumented and still live."""

    id = "old_versions"
    title = "Older API version still live"
    owasp = "API9:2023"
    cwe = "CWE-1059"
    safe = True
    remediation = _REMEDIATION

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """Try lower version segments of every documented versioned read."""
        if not ctx.identities:
            yield Skip(reason=SkipReason.NO_IDENTITIES)
            return
        missing = None
        sent = 0
        base = urlsplit(ctx.sessions.transport.base_url).path.rstrip("/")
        older = _older(ctx.api) or _older_bases(ctx.api, base) or _first_version(ctx.api, base)
        for op, old in older:
            if sent >= MAX_OLD:
                return
            if op not in ctx.probes or ctx.scope.why_out_path("GET", old.path):
                continue
            found = await _answering(ctx, op)
            if found is None:
                continue
            identity, legit = found
            missing = missing or await fingerprint(ctx, [""])
            probe = old.moved(ctx.legit_request(op, identity))
            reply = await ctx.send(probe, as_=identity, note=f"older version of {op.path}")
            sent += 1
            if missing.alive(reply) and _alike(reply, legit):
                weaker = await _weaker(ctx, op, op, identity, reply, old=old)
                extra = _more(reply, legit)
                where = f"GET {old.shown}"
                yield _finding(self, ctx, where, identity, op, [legit, reply], weaker, extra)


def _finding(
    check: DeprecatedOperation | OldVersions,
    ctx: Context,
    operation: Operation | str,
    identity: Identity,
    current: Operation | None,
    answered: list[Reply],
    weaker: list[Reply],
    extra: list[str] | None = None,
) -> Outcome:
    """``answered`` ends with the old request's own answer; ``weaker`` is ``_weaker``'s.

    The reproduction replays the old request, without credentials when that got data,
    never the current version's refusal.
    """
    evidence, anonymous = [*answered, *weaker], bool(weaker)
    key = operation if isinstance(operation, str) else operation.key
    what = "is deprecated" if not isinstance(operation, str) else "is not in the contract"
    loose = (
        f" It answers without credentials, while {current.key} refuses them."
        if anonymous and current is not None
        else ""
    )
    if extra:
        loose += f" It gives what the current answer does not: {', '.join(extra[:5])}."
    return ctx.finding(
        check,
        operation,
        title=f"{key} {what} but still answers" + (" anonymously" if anonymous else ""),
        severity=Severity.HIGH if anonymous or extra else Severity.MEDIUM,
        confidence=Confidence.CONFIRMED,
        detail=(
            f"{key} {what}, yet {identity.name}'s request got {evidence[0].status} with data"
            + (f" (current version: {current.key})." if current is not None else ".")
            + loose
        ),
        evidence=evidence,
        key=key.split(" ", 1)[1],
        proof=weaker[0] if weaker else answered[-1],
    )


async def _answering(ctx: Context, operation: Operation) -> tuple[Identity, Reply] | None:
    for identity in ctx.identities:
        reply = await ctx.legit(operation, identity)
        if reply.ok and meaningful(reply.text):
            return identity, reply
    return None


async def _weaker(
    ctx: Context,
    old_op: Operation,
    current: Operation | None,
    identity: Identity,
    answered: Reply,
    old: Older | None = None,
) -> list[Reply]:
    """[old anonymous, current anonymous] when the old one gives data the current refuses."""
    if current is None or current.is_public:
        return []
    try:
        # Stripped of credentials they are still writes when the method is: the rule holds.
        base, now = ctx.legit_request(old_op, identity), ctx.legit_request(current, identity)
    except Withheld:
        return []  # not compared: the finding stays medium
    stale = await ctx.send(
        old.moved(base) if old else base, as_=None, note="old version, no credentials"
    )
    if not stale.ok or similarity(stale.text, answered.text) < ALIKE:
        return []
    fresh = await ctx.send(now, as_=None, note="current version, no credentials")
    return [stale, fresh] if not fresh.ok else []


def _successor(api: Api, operation: Operation) -> Operation | None:
    """The same method on the path with a higher version segment, not deprecated."""
    candidates = [o for o in api.operations if o.method == operation.method and not o.deprecated]
    return next((o for o in candidates if _newer(o.path, operation.path)), None)


def _newer(path: str, old: str) -> bool:
    """True when ``path`` is ``old`` with one version segment raised."""
    for index, number in versions(old):
        for other_index, other in versions(path):
            if other_index == index and other > number:
                return with_version(path, index, number) == _normal(old, path)
    return False


def _normal(path: str, like: str) -> str:
    """``path`` with its parameter names taken from ``like`` where the shapes agree."""
    mine, theirs = path.strip("/").split("/"), like.strip("/").split("/")
    if len(mine) != len(theirs):
        return path
    merged = [
        t if m.startswith("{") and t.startswith("{") else m
        for m, t in zip(mine, theirs, strict=True)
    ]
    return "/" + "/".join(merged)


@dataclasses.dataclass(frozen=True, slots=True)
class Older:
    """An older version of a read: its path, or (``base``) its base path on the same host."""

    path: str
    base: str | None = None

    @property
    def shown(self) -> str:
        """The path as a report names it: under its base, when it has one of its own."""
        return (self.base or "") + self.path

    def moved(self, request: Request) -> Request:
        """``request`` sent to this older version."""
        return dataclasses.replace(request, path=self.path, base=self.base)


def _older(api: Api) -> list[tuple[Operation, Older]]:
    """(current read, its path with a lower version) for each undocumented lower version."""
    pairs: list[tuple[Operation, Older]] = []
    for op in _reads(api):
        for index, number in versions(op.path):
            for lower in _lower(number):
                old = with_version(op.path, index, lower)
                if not documented(api, old):
                    pairs.append((op, Older(old)))
    return pairs


def _older_bases(api: Api, base: str) -> list[tuple[Operation, Older]]:
    """(current read, the same path under a lower version of the base path ``base``)."""
    lower = [
        with_version(base, index, older)
        for index, number in versions(base)
        for older in _lower(number)
    ]
    return [(op, Older(op.path, old)) for old in lower for op in _reads(api)]


def _first_version(api: Api, base: str) -> list[tuple[Operation, Older]]:
    """(current read, the same path as a ``v1`` before it): for an API no path nor base
    path gives a version, whose first version may still answer (``/api/v1/invoices/{n}``
    beside ``/api/invoices/{n}``, the Ninja trial's). After a first ``api`` segment, else
    at the front."""
    if any(True for _ in versions(base)):
        return []
    pairs = []
    for op in _reads(api):
        parts = segments(op.path)
        at = 1 if parts and parts[0].lower() in _API_WORDS else 0
        old = "/" + "/".join([*parts[:at], "v1", *parts[at:]])
        if not documented(api, old):
            pairs.append((op, Older(old)))
    return pairs


_API_WORDS = frozenset({"api", "rest", "service", "services"})


def _lower(number: int) -> range:
    """The versions below ``number`` to try: down to ``v1``, and ``v0`` below a ``v1`` only (a
    pre-release's; a ``v2`` API's zombie is its ``v1``)."""
    return range(number - 1, 0 if number > 1 else -1, -1)


def _reads(api: Api) -> list[Operation]:
    return [op for op in api.operations if op.method == "GET" and not op.deprecated]


def _alike(reply: Reply, legit: Reply) -> bool:
    """The old answer looks like the current one: most of its JSON keys or of its values,
    or similar text.

    Most of the current answer's, not of both: an old version that gives more (a user's
    password hash beside the profile) is the worse for it, not unlike. Its values, for
    an old version that named its keys otherwise (``order_id`` for ``id``): the same
    order's ids and codes.
    """
    mine, theirs = _keys(reply.data), _keys(legit.data)
    if mine and theirs:
        if len(mine & theirs) / len(theirs) >= ALIKE:
            return True
        now = _values(legit.data)
        return bool(now) and len(now & _values(reply.data)) / len(now) >= ALIKE
    return similarity(reply.text, legit.text) >= ALIKE


def _values(data: Any) -> set[str]:
    """The strings of ``data`` long enough to name something (ids, codes, e-mails)."""
    return {value for _, value in leaves(data) if value.startswith('"') and len(value) >= 6}


def _more(reply: Reply, legit: Reply) -> list[str]:
    """Keys of the old answer the current lacks that name or hold personal or secret data."""
    current = _keys(legit.data)
    items = reply.data if isinstance(reply.data, list) else [reply.data]
    found = {
        key
        for item in items[:5]
        if isinstance(item, dict)
        for key, value in item.items()
        if key not in current
        and (classify_name(key) is not None or classify_value(str(value)) is not None)
    }
    return sorted(found)


def _keys(data: Any) -> set[str]:
    if isinstance(data, list):
        return set().union(*(_keys(item) for item in data[:5])) if data else set()
    return set(data) if isinstance(data, dict) else set()
