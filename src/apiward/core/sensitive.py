"""Cheap, precise classifiers for personal and secret data, by value and by name.

Shared vocabulary: the inventory maps where such data flows, the scanner flags it in
answers, the audit in contracts.

Precision over recall: a value is a card only when it has a card's length, a known
brand prefix *and* a valid Luhn check digit; an IBAN only when its mod-97 check holds;
an SSN only in the dashed form and outside the ranges never issued (000, 666, 9xx,
group 00, serial 0000); a phone only in international ``+`` form; an API key only with
a known vendor prefix and enough entropy. Passwords and generic secrets are found by
field name alone: their values have no shape.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections import Counter
from collections.abc import Callable
from enum import StrEnum

import orjson


def entropy(text: str) -> float:
    """Shannon entropy of ``text`` in bits per character."""
    if not text:
        return 0.0
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


class DataClass(StrEnum):
    """A kind of personal or secret data."""

    EMAIL = "email"
    PHONE = "phone"
    CARD = "card"
    IBAN = "iban"
    NATIONAL_ID = "national_id"
    JWT = "jwt"
    API_KEY = "api_key"
    PASSWORD = "password"  # noqa: S105 (a kind of data, not a credential)
    SECRET = "secret"  # noqa: S105 (a kind of data, not a credential)


_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+[1-9][\d ().-]{6,20}$")
_CARD = re.compile(r"^\d(?:[ -]?\d){12,18}$")
_CARD_PREFIX = re.compile(r"^(4|5[1-5]|2[2-7]|3[47]|3[068]|6011|65|64[4-9]|35|62)")
_IBAN = re.compile(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$")
_SSN = re.compile(r"^(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}$")
_JWT = re.compile(r"^(eyJ[A-Za-z0-9_-]+)\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$")
_KEY_PREFIX = re.compile(
    r"^(?:sk_live_|sk_test_|rk_live_|whsec_|ghp_|gho_|ghu_|ghs_|ghr_|github_pat_|glpat-|"
    r"xox[abprs]-|AKIA|ASIA|AIza|SG\.|npm_|pypi-)(?P<rest>[A-Za-z0-9_.=-]{12,})$"
)


def luhn(digits: str) -> bool:
    """Whether a string of digits passes the Luhn check."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _card(value: str) -> bool:
    if _CARD.match(value) is None:
        return False
    digits = re.sub(r"[ -]", "", value)
    return _CARD_PREFIX.match(digits) is not None and luhn(digits)


def iban_valid(value: str) -> bool:
    """Whether ``value`` (spaces allowed) is an IBAN whose mod-97 check holds."""
    compact = value.replace(" ", "").upper()
    if _IBAN.match(compact) is None:
        return False
    moved = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _phone(value: str) -> bool:
    return _PHONE.match(value) is not None and 8 <= sum(c.isdigit() for c in value) <= 15


def _jwt(value: str) -> bool:
    match = _JWT.match(value)
    if match is None:
        return False
    try:
        header = orjson.loads(base64.urlsafe_b64decode(match[1] + "=" * (-len(match[1]) % 4)))
    except (binascii.Error, orjson.JSONDecodeError, ValueError):
        return False
    return isinstance(header, dict) and "alg" in header


def _api_key(value: str) -> bool:
    match = _KEY_PREFIX.match(value)
    return match is not None and entropy(match["rest"]) >= 3.0


_BY_VALUE: tuple[tuple[DataClass, Callable[[str], bool]], ...] = (
    (DataClass.EMAIL, lambda v: _EMAIL.match(v) is not None),
    (DataClass.PHONE, _phone),
    (DataClass.CARD, _card),
    (DataClass.IBAN, iban_valid),
    (DataClass.NATIONAL_ID, lambda v: _SSN.match(v) is not None),
    (DataClass.JWT, _jwt),
    (DataClass.API_KEY, _api_key),
)


def classify_value(value: str) -> DataClass | None:
    """The kind of sensitive data a single value is, or None."""
    text = value.strip()
    if not 5 <= len(text) <= 4096:
        return None
    return next((kind for kind, test in _BY_VALUE if test(text)), None)


_BY_NAME: tuple[tuple[DataClass, re.Pattern[str]], ...] = (
    (DataClass.PASSWORD, re.compile(r"(^|_)pass(word|wd|phrase)?($|_?hash)|^pwd$|^pin$", re.I)),
    (DataClass.CARD, re.compile(r"card_?num|^pan$|cc_?num|credit_?card|^cvv$|^cvc$", re.I)),
    (DataClass.IBAN, re.compile(r"iban", re.I)),
    (DataClass.NATIONAL_ID, re.compile(r"ssn|social_?security|national_?id|tax_?id", re.I)),
    (DataClass.EMAIL, re.compile(r"e_?mail", re.I)),
    (DataClass.PHONE, re.compile(r"phone|mobile|msisdn", re.I)),
    (DataClass.API_KEY, re.compile(r"api_?key|access_?key", re.I)),
    (
        DataClass.SECRET,
        re.compile(r"secret|private_?key|(access|refresh|id|auth|session)_?token$", re.I),
    ),
)
_BY_FORMAT = {"email": DataClass.EMAIL, "password": DataClass.PASSWORD}


def classify_name(name: str, format: str | None = None) -> DataClass | None:
    """The kind of sensitive data a field or parameter named ``name`` holds, or None."""
    if format and format.lower() in _BY_FORMAT:
        return _BY_FORMAT[format.lower()]
    plain = name.replace("-", "_")
    return next((kind for kind, pattern in _BY_NAME if pattern.search(plain)), None)
