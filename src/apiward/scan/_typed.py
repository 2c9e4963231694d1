"""Values made from a schema's type alone: a number within bounds, a string its format,
pattern and length take (``rstr`` from a seeded RNG), a decimal as a string.

The synthesizer's last resort (``scan.synthesis``), after what it learnt, the contract's
examples and enums.
"""

from __future__ import annotations

import random
import re
import uuid
from collections.abc import Mapping

import rstr

from apiward.scan import _times as times
from apiward.spec import Schema

FORMATS: Mapping[str, str] = {
    "email": "apiward.scan@example.com",
    "idn-email": "apiward.scan@example.com",
    "date-time": times.DATE_TIME,
    "date": times.DATE,
    "time": times.TIME,
    "duration": "P1D",
    "ipv4": "192.0.2.10",
    "ipv6": "2001:db8::10",
    "hostname": "example.com",
    "idn-hostname": "example.com",
    "password": "Apiward-Scan-Passw0rd!",
    "byte": "YXBpd2FyZA==",
    "binary": "apiward",
    "json-pointer": "/apiward",
}


def fits(text: str, schema: Schema) -> bool:
    """True when ``text`` meets the string schema's length and pattern."""
    low, high = int(schema.get("minLength", 0)), int(schema.get("maxLength", 1 << 16))
    pattern = schema.get("pattern")
    try:
        matches = not isinstance(pattern, str) or re.search(pattern, text) is not None
    except re.error:
        return False
    return low <= len(text) <= high and matches


def type_of(schema: Schema) -> str:
    """The schema's JSON type: the first that is not null, else what its keys say."""
    kind = schema.get("type")
    if isinstance(kind, list | tuple):
        kind = next((k for k in kind if k != "null"), "null")
    if isinstance(kind, str):
        return kind
    if "properties" in schema:
        return "object"
    return "array" if "items" in schema else "string"


def number(schema: Schema, *, integer: bool) -> float:
    """A number within the schema's bounds and step: 1 where they allow it."""
    low = schema.get("minimum")
    if isinstance(schema.get("exclusiveMinimum"), int | float):
        low = schema["exclusiveMinimum"] + (1 if integer else 0.5)
    high = schema.get("maximum")
    if isinstance(schema.get("exclusiveMaximum"), int | float):
        high = schema["exclusiveMaximum"] - (1 if integer else 0.5)
    value = max(float(low), 1.0) if isinstance(low, int | float) else 1.0
    if isinstance(high, int | float):
        value = min(value, float(high))
    step = schema.get("multipleOf")
    if isinstance(step, int | float) and step > 0:
        value = max(step, round(value / step) * step)
    return value


def decimal(schema: Schema) -> str:
    """An amount as a decimal field takes it (``"1.00"``), never a pattern's random ``"-7."``."""
    value = number(schema, integer=False)
    pattern = schema.get("pattern")
    for text in (f"{value:.2f}", f"{value:.0f}"):
        try:
            if not isinstance(pattern, str) or re.search(pattern, text):
                return text
        except re.error:
            return text
    return f"{value:.2f}"


def string(schema: Schema, rng: random.Random, name: str) -> str:
    """A string its format, pattern and length take, named for ``name`` where free."""
    fmt = schema.get("format")
    if fmt == "uuid":
        return str(uuid.UUID(int=rng.getrandbits(128), version=4))
    if isinstance(fmt, str) and fmt in FORMATS:
        return times.later(FORMATS[fmt], fmt) if times.is_end(name) else FORMATS[fmt]
    low = int(schema.get("minLength", 0))
    high = int(schema.get("maxLength", max(low, 24)))
    pattern = schema.get("pattern")
    if isinstance(pattern, str):
        generated = _from_pattern(pattern, rng, low, high)
        if generated is not None:
            return generated
    when = times.named(name)
    if when is not None and low <= len(when) <= high:
        return when
    base = re.sub(r"[^a-z0-9]", "", name.lower()) or "apiward"
    text = f"apiward{base}" if not base.startswith("apiward") else base
    text = (text * (low // max(len(text), 1) + 1))[: max(low, min(len(text), high))]
    return text[:high] if high >= 1 else text


def _from_pattern(pattern: str, rng: random.Random, low: int, high: int) -> str | None:
    try:
        generator = rstr.Rstr(rng)
        for _ in range(20):
            text = generator.xeger(pattern)
            if low <= len(text) <= high and re.search(pattern, text):
                return text
    except (re.error, ValueError, IndexError, TypeError, OverflowError):
        return None
    return None
