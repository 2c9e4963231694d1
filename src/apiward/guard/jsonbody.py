"""Strict reading of request bodies: one reading, I-JSON rules, safe strings (RFC 7493).

The stdlib parser defines the reading: only it exposes every object's key pairs
(``object_pairs_hook``), which is how duplicate keys are seen at all, and it keeps
big integers exact. NaN/Infinity and overflowing numbers are refused. orjson reads
the common body (no backslash, no long digit run, shallow) in about a fifth of the
time, and only when the answer is provably the stdlib's: see :func:`_quick`.
The guard forwards the client's original bytes, never a re-serialisation.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from typing import Any
from urllib.parse import parse_qsl

import orjson

from apiward.guard.problem import Refusal, Rule

# C0 except tab/newline/carriage return, DEL, C1, and lone surrogates (not Unicode text).
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise Refusal(Rule.DUPLICATE_KEY, "a JSON object repeats a key")
    return result


def _no_constant(name: str) -> Any:
    raise Refusal(Rule.MALFORMED_BODY, f"{name} is not valid JSON")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise Refusal(Rule.MALFORMED_BODY, "a number overflows a double")
    return value


def parse_json(body: bytes) -> Any:
    """The JSON document in ``body``; Refusal on anything two parsers could read differently."""
    document = _quick(body)
    if document is not _SLOW:
        return document
    try:
        text = body.decode("utf-8")
        return json.loads(
            text, object_pairs_hook=_unique, parse_constant=_no_constant, parse_float=_finite
        )
    except (UnicodeDecodeError, ValueError):
        raise Refusal(Rule.MALFORMED_BODY, "the body is not well-formed JSON (UTF-8)") from None
    except RecursionError:
        raise Refusal(Rule.TOO_DEEP, "the JSON body nests too deeply") from None


_SLOW = object()
# Past 18 digits an integer may leave orjson's 64-bit range and come back a float.
_LONG_RUN = 19
_LONG_DIGITS = re.compile(rb"[0-9]{%d}" % _LONG_RUN)
_DIGITS = b"0123456789"
_MAX_QUICK_BRACKETS = 256  # far below both parsers' recursion limits


def _quick(body: bytes) -> Any:
    """orjson's reading of ``body`` when it is the stdlib's, else :data:`_SLOW`.

    Without a backslash a JSON text spells every string as-is, so re-serialising what
    orjson read reproduces each surviving string byte for byte: a repeated key (which
    orjson keeps the last of) shows as fewer ``:`` bytes than the body has. orjson
    refuses what the stdlib parser would (NaN, overflow, bad UTF-8) or reads it the
    same; whatever it refuses goes to the stdlib parser for the exact refusal.
    """
    if (
        b"\\" in body
        or body.count(b"[") + body.count(b"{") > _MAX_QUICK_BRACKETS
        or _long_digit_run(body)
    ):
        return _SLOW
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return _SLOW
    if isinstance(document, dict | list) and orjson.dumps(document).count(b":") != body.count(b":"):
        return _SLOW  # a key repeats: the stdlib reading names it
    return document


def _long_digit_run(body: bytes) -> bool:
    # A run of 19 digits needs 19 digits: counting them is a table pass, several times
    # cheaper than the regex search, and most bodies have far fewer.
    digits = len(body) - len(body.translate(None, _DIGITS))
    return digits >= _LONG_RUN and _LONG_DIGITS.search(body) is not None


def parse_form(body: bytes) -> dict[str, str]:
    """An urlencoded form as a mapping; repeated fields are refused."""
    try:
        pairs = parse_qsl(body.decode("ascii"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError):
        raise Refusal(
            Rule.MALFORMED_BODY, "the body is not a well-formed urlencoded form"
        ) from None
    form = dict(pairs)
    if len(form) != len(pairs):
        raise Refusal(Rule.DUPLICATE_PARAMETER, "a form field appears more than once")
    return form


# In an ASCII JSON text the only ways a decoded string gets an unsafe character: a
# \b, \f or \u escape, or a raw DEL (raw C0 is already refused by the strict parser).
_MAYBE_UNSAFE = re.compile(rb"\\[bfu]|\x7f")


def plainly_safe(body: bytes) -> bool:
    """Whether every string of this (well-formed) JSON text is safe, from its bytes alone.

    ASCII is NFC and cannot hold C1 or surrogates, so an ASCII body with none of the
    escapes above needs no walk over the document (about 2.4 µs for 91 B before).
    False only means "walk it": an escaped backslash before a ``b`` is a false alarm.
    """
    return body.isascii() and _MAYBE_UNSAFE.search(body) is None


def check_strings(document: Any) -> None:
    """Refuse control characters, lone surrogates and non-NFC text in any key or string."""
    stack: list[tuple[Any, str]] = [(document, "")]
    while stack:
        node, pointer = stack.pop()
        if isinstance(node, str):
            check_text(node, pointer)
        elif isinstance(node, dict):
            for key, value in node.items():
                check_text(key, pointer)
                stack.append((value, f"{pointer}/{_escape(key)}"))
        elif isinstance(node, list):
            stack.extend((value, f"{pointer}/{i}") for i, value in enumerate(node))


def plain_text(text: str) -> bool:
    """Whether ``text`` is printable ASCII: safe without :func:`check_text` (ASCII is NFC)."""
    return text.isascii() and text.isprintable()


def check_text(text: str, pointer: str) -> None:
    """Refuse one string with control characters, lone surrogates or non-NFC text."""
    if _UNSAFE.search(text) is not None:
        raise Refusal(Rule.UNSAFE_STRING, "a string holds control characters", field=pointer or "/")
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        raise Refusal(Rule.UNSAFE_STRING, "a string is not NFC-normalised", field=pointer or "/")


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")
