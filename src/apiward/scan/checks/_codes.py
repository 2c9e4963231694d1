"""Short numeric secrets in a contract: PINs, one-time and reset codes of six digits or fewer.

A body property or query parameter is one when its name says so (``pin``, ``otp``,
``totp``, ``mfa``, ``passcode``, ``code``, ``verification_code``, ``resetCode``…) **and**
its schema bounds it to at most six digits: a ``pattern`` of digits only (``^\\d{4}$``,
``^[0-9]{4,6}$``), an integer ``maximum`` ≤ 999999, or a ``maxLength`` ≤ 6 on a string
whose example is all digits. The *space* is how many codes there are to try.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from apiward.scan.context import Context
from apiward.spec import Operation, json_types
from apiward.spec.model import ParameterLocation

MAX_DIGITS = 6
_NAME = re.compile(r"(^|_)(pin|otp|totp|hotp|mfa|2fa|passcode|code)$|^(pin|otp|totp|mfa)_")
_NEW = re.compile(r"(new|confirm|repeat)_")  # setting a code, not checking one
_DIGIT = r"(?:\\d|\[0-9\])"
_PATTERN = re.compile(rf"\^?(?:{_DIGIT}\{{(\d+)(?:,(\d+))?\}}|({_DIGIT}+))\$?")


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeField:
    """Where an operation takes a short code, how long it is and how many codes there are."""

    name: str
    in_query: bool
    digits: int
    space: int
    integer: bool

    def value(self, code: int) -> str | int:
        """``code`` as this field takes it: an integer, or digits padded to full length."""
        return code if self.integer else str(code).zfill(self.digits)


def code_fields(ctx: Context, op: Operation) -> Iterator[CodeField]:
    """The short-code fields of ``op``: body properties, then query parameters."""
    schema, _ = ctx.synthesizer.body_schema(op)
    props = ctx.api.deref(schema).get("properties") if schema is not None else None
    for name, prop in (props or {}).items() if isinstance(props, Mapping) else ():
        found = _field(name, ctx.api.deref(prop), in_query=False, values=ctx.synthesizer.values)
        if found is not None:
            yield found
    for param in op.parameters:
        if param.location is ParameterLocation.QUERY:
            prop = ctx.api.deref(param.schema)
            found = _field(param.name, prop, in_query=True, values=ctx.synthesizer.values)
            if found is not None:
                yield found


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).lower().replace("-", "_")


def _field(
    name: str, schema: Mapping[str, Any], *, in_query: bool, values: Mapping[str, Any]
) -> CodeField | None:
    if not _NAME.search(_snake(name)) or _NEW.match(_snake(name)):
        return None
    integer = "integer" in json_types(schema)
    if integer:
        top, low = schema.get("maximum"), schema.get("minimum", 0)
        if not isinstance(top, int) or not isinstance(low, int) or not 0 < top < 10**MAX_DIGITS:
            return None
        digits, space = len(str(top)), top - low + 1
    else:
        digits = _pattern_digits(schema.get("pattern")) or _length_digits(schema, values.get(name))
        space = 10**digits if digits else 0
    if not 0 < digits <= MAX_DIGITS:
        return None
    return CodeField(name=name, in_query=in_query, digits=digits, space=space, integer=integer)


def _pattern_digits(pattern: Any) -> int:
    match = _PATTERN.fullmatch(pattern) if isinstance(pattern, str) else None
    if match is None:
        return 0
    if match.group(3):
        return len(re.findall(_DIGIT, match.group(3)))
    return int(match.group(2) or match.group(1))


def _length_digits(schema: Mapping[str, Any], value: Any) -> int:
    top = schema.get("maxLength")
    example = value if value is not None else schema.get("example")
    digits_only = isinstance(example, str | int) and str(example).isdigit()
    return top if isinstance(top, int) and digits_only and top <= MAX_DIGITS else 0
