"""The values a field can hold: seen in the API's own answers, offered by the contract, or fresh.

A probe that sets a field must use a value the application knows: a ``role`` of
``"admin"`` on an API whose roles are ``Chef``, ``Employee`` and ``Customer`` can make
the user's every later request fail, and the scan would leave the target broken.

* :class:`Observed` learns, from every JSON answer the scan gets (a transport observer),
  the scalar values each field name took — ``role`` → ``Customer`` ×12, ``Chef`` ×1.
  A value the request itself sent under the same name is an echo, not an observation.
* :func:`probe_value` chooses the value a probe sets, in order: a value observed for
  the field (of its ``enum``, when the write declares one), then one of its ``enum``, then one of its type (a flipped flag, a raised
  number, a date of its ``format``). A privilege field (``scan.fields``) with neither
  an observed nor an enum value is not probed: no string is invented for it. Among
  candidates the most privileged-sounding wins (:func:`rank`), then the rarest seen
  (admins are few), unlike the current value; a privilege flag is only ever set to
  its granting value.
* :class:`Fresh` makes values unique to one scan and one request that still fit the
  field's schema (pattern, format, length) — for fields ``scan.fields.is_unique``
  names (e-mail, phone, username...), so one identity's test data never collides
  with another's.
"""

from __future__ import annotations

import random
import re
import secrets
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import islice
from typing import Any

import rstr

from apiward.scan.envelope import unwrap
from apiward.scan.fields import is_privileged, privileged_value, tokens
from apiward.scan.transport import Reply
from apiward.spec import json_types

Scalar = str | int | float | bool
MAX_PER_FIELD = 64
"""Distinct values kept per field name: enough for every role, bounded for free text."""
MAX_TEXT = 100
MAX_LEAVES = 50_000
"""Field values learnt from one answer at most: a 100,000-item listing teaches no more
than its first few thousand items, and each answer costs bounded time."""
_RANKS = (
    {"admin", "administrator", "root", "superuser", "superadmin", "super", "owner", "sysadmin"},
    {"chef", "chief", "boss", "head", "manager", "director", "supervisor", "lead", "moderator"},
    {"staff", "employee", "editor", "operator", "support", "agent", "premium", "enterprise"}
    | {"gold", "platinum", "vip", "verified", "approved", "unlimited"},
)
"""Words of privileged-sounding values, highest first (one list for every language's
roles would not exist; these are the words APIs use, English and German/French ``chef``)."""
_DATES = {"date-time": "2030-06-30T12:00:00Z", "date": "2030-06-30", "time": "12:00:00Z"}


class Source(StrEnum):
    """Where a probe's value comes from, as a finding says it."""

    OBSERVED = "a value the API's own answers show for it"
    ENUM = "a value of the contract's enum"
    TYPE = "a value of its declared type"


@dataclass(frozen=True, slots=True, kw_only=True)
class Probe:
    """The value a probe sets a field to, and where it comes from."""

    value: Any
    source: Source


class Observed:
    """The scalar values each field name took in the API's JSON answers (any depth)."""

    def __init__(self) -> None:
        self._seen: dict[str, Counter[tuple[str, Scalar]]] = {}

    def learn(self, reply: Reply) -> None:
        """Record the field values of a 2xx JSON answer (what the request sent aside)."""
        if not reply.ok:
            return
        sent = dict(_leaves(reply.sent.body))
        sent.update(reply.sent.query)
        # Inside its envelope: the Sanic trial's {"status": "ok", "result": …} had made "ok"
        # the status of every task the scan created, and the API refused them all.
        for name, value in islice(_leaves(unwrap(reply.data)), MAX_LEAVES):
            if name in sent and str(sent[name]) == str(value):
                continue
            counter = self._seen.get(name)
            if counter is None:
                counter = self._seen[name] = Counter()
            key = (type(value).__name__, value)
            if key in counter or len(counter) < MAX_PER_FIELD:
                counter[key] += 1

    def values(self, name: str) -> list[Scalar]:
        """The values seen for field ``name`` (last part of a dotted path), most seen first."""
        counter = self._seen.get(name.rsplit(".", 1)[-1], Counter())
        ordered = sorted(counter.items(), key=lambda kv: (-kv[1], kv[0][0], str(kv[0][1])))
        return [value for (_, value), _ in ordered]

    def count(self, name: str, value: Scalar) -> int:
        """How often field ``name`` was seen holding ``value``."""
        counter = self._seen.get(name.rsplit(".", 1)[-1], Counter())
        return counter[(type(value).__name__, value)]


HIGHEST_RANK = 3
"""The rank of an ``admin``-like value."""


def rank(value: Any) -> int:
    """How privileged a value sounds: 3 for ``admin``-like, 0 for ``Customer``-like."""
    words = set(tokens(str(value))) if isinstance(value, str) else set()
    return next((HIGHEST_RANK - i for i, group in enumerate(_RANKS) if words & group), 0)


def least(schema: Mapping[str, Any]) -> Any:
    """The first of an ``enum``'s values that grants least (``viewer`` of ``viewer, editor,
    owner``), or None when the enum does not rank its values (none sounds above another)."""
    enum = [v for v in schema.get("enum", ()) if isinstance(v, str)]
    ranks = [rank(v) for v in enum]
    return enum[ranks.index(min(ranks))] if ranks and min(ranks) < max(ranks) else None


def probe_value(
    name: str, schema: Mapping[str, Any], current: Any, observed: Sequence[Scalar] = ()
) -> Probe | None:
    """A value ``name`` can hold, unlike ``current``; None when none is known to be safe."""
    kind = _kind(schema.get("type"))
    if kind == "boolean" or isinstance(current, bool):
        return _flag(name, current)
    privileged = is_privileged(name)
    enum = [v for v in schema.get("enum", ()) if v is not None and v != current]
    # The write's enum bounds what it takes: a user's "admin" seen elsewhere is no value of
    # an organisation member's role (owner, manager, member: the NestJS trial's 400).
    seen = [v for v in observed if _same_kind(v, current, kind) and v != current]
    seen = [v for v in seen if v in enum] if enum else seen
    if seen:
        return Probe(value=_best(seen), source=Source.OBSERVED)
    if enum:
        return Probe(value=_best(enum), source=Source.ENUM)
    if kind in {"integer", "number"} or _is_number(current):
        raised = _raised(schema, current)
        return None if raised is None else Probe(value=raised, source=Source.TYPE)
    fmt = schema.get("format")
    if not privileged and isinstance(fmt, str) and fmt in _DATES and _DATES[fmt] != current:
        return Probe(value=_DATES[fmt], source=Source.TYPE)
    return None


def _kind(declared: Any) -> str | None:
    """The one JSON type a schema declares: OpenAPI 3.1 may list it with null (``[x, "null"]``)."""
    if isinstance(declared, list):
        declared = next((t for t in declared if t != "null"), None)
    return declared if isinstance(declared, str) else None


def _flag(name: str, current: Any) -> Probe | None:
    target = privileged_value(name) if is_privileged(name) else not current
    if current is target:
        return None  # the caller already holds it: nothing to gain, nothing to prove
    return Probe(value=target, source=Source.TYPE)


def _best(options: list[Any]) -> Any:
    """The most privileged-sounding option, then the last: the rarest seen, the highest listed."""
    return max(enumerate(options), key=lambda pair: (rank(pair[1]), pair[0]))[1]


def _same_kind(value: Any, current: Any, kind: Any) -> bool:
    if isinstance(value, bool):
        return False
    if kind == "string" or isinstance(current, str):
        return isinstance(value, str)
    if kind in {"integer", "number"} or _is_number(current):
        return _is_number(value)
    return isinstance(value, str)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _raised(schema: Mapping[str, Any], current: Any) -> int | float | None:
    base = current if _is_number(current) else 0
    value = max(base * 10, base + 1000)
    high = schema.get("maximum")
    if isinstance(high, int | float) and value > high:
        value = high
    if value == base:
        return None
    integer = "integer" in json_types(schema) or isinstance(current, int)
    return int(value) if integer else float(value)


def _leaves(data: Any, depth: int = 0) -> Iterator[tuple[str, Scalar]]:
    """Every (field name, scalar value) in a JSON document, at any depth."""
    if depth > 8:
        return
    if isinstance(data, list):
        for item in data:
            yield from _leaves(item, depth + 1)
    elif isinstance(data, dict):
        for key, value in data.items():
            if isinstance(value, dict | list):
                yield from _leaves(value, depth + 1)
            elif isinstance(value, str | int | float) and not _too_long(value):
                yield str(key), value


def _too_long(value: Scalar) -> bool:
    return isinstance(value, str) and (len(value) > MAX_TEXT or value == "")


class Fresh:
    """Values unique to this scan and this request, fitting a string schema."""

    def __init__(self, run: str | None = None) -> None:
        self.run = run if run is not None else secrets.token_hex(3)
        self._issued: set[str] = set()
        self._count = 0
        self._digits = random.Random(self.run).randrange(10**7)  # noqa: S311 — not a secret

    def value(self, name: str, schema: Mapping[str, Any]) -> str | None:
        """A new value for ``name`` that fits ``schema``; None when none fits."""
        self._count += 1
        tag = f"{self.run}{self._count}"
        low = int(schema.get("minLength", 0))
        high = int(schema.get("maxLength", 1 << 16))
        pattern = schema.get("pattern")
        if schema.get("format") in {"email", "idn-email"} or "email" in tokens(name):
            text = f"apiward{tag}@example.com"
        elif set(tokens(name)) & {"phone", "mobile", "telephone", "msisdn"}:
            text = f"+1555{(self._digits + self._count) % 10**7:07d}"
        else:
            # Letters and digits only: word, slug and user-name rules that a contract does
            # not state (``^\w+$``, ``^[a-z0-9]+$``) all take it.
            text = f"apiward{tag}"
            text = text + "x" * max(0, low - len(text))
        # Recognisable (a team finds what a scan left by its prefix) wherever the schema allows.
        fitting = low <= len(text) <= high and (
            not isinstance(pattern, str) or _matches(pattern, text)
        )
        if fitting and text not in self._issued:
            return self._issue(text)
        if isinstance(pattern, str):
            return self._patterned(pattern, low, high, tag)
        text = "apiward"[: max(0, high - len(tag))] + tag
        text = text + "x" * max(0, low - len(text))
        return self._issue(text) if low <= len(text) <= high else None

    def issued(self, value: object) -> bool:
        """True when ``value`` is one this generator made (a unique value, not the user's)."""
        return isinstance(value, str) and value in self._issued

    def _patterned(self, pattern: str, low: int, high: int, tag: str) -> str | None:
        # Seeded per value, so the values of one scan differ and stay reproducible within it.
        generator = rstr.Rstr(random.Random(tag))  # noqa: S311
        for _ in range(30):
            try:
                text = generator.xeger(pattern)
                if (
                    low <= len(text) <= high
                    and re.search(pattern, text)
                    and text not in self._issued
                ):
                    return self._issue(text)
            except (re.error, ValueError, IndexError, TypeError, OverflowError):
                return None
        return None

    def _issue(self, text: str) -> str:
        """Remember ``text`` as issued and return it."""
        self._issued.add(text)
        return text


def _matches(pattern: str, text: str) -> bool:
    try:
        return re.search(pattern, text) is not None
    except re.error:
        return False
