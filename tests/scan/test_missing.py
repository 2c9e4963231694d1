"""The id no object has keeps the shape of the ids the API has, and fits the contract."""

from __future__ import annotations

import re

import pytest

from apiward.scan.missing import FALLBACK, MISSING_NUMBER, MISSING_UUID, missing


@pytest.mark.parametrize(
    ("value", "pattern", "expected"),
    [
        ("doc_sqnbomzwlqci", r"^doc_[a-z0-9]{12}$", "doc_zzzzzzzzzzzz"),
        ("usr_Kq12", None, "usr_Zz00"),
        ("contractor-agreement", r"^[a-z0-9-]+$", "contractor-zzzzzzzzz"),
        ("INV-2024-0042", r"^INV-\d{4}-\d{4}$", "INV-2024-0000"),
        ("5f3c9a1b2c3d4e5f6a7b8c9d", r"^[0-9a-f]{24}$", "0f0f0f0f0f0f0f0f0f0f0f0f"),
    ],
)
def test_a_missing_id_keeps_the_real_ids_shape(
    value: str, pattern: str | None, expected: str
) -> None:
    """Prefix, separators, length and character classes stay; the value fits the pattern."""
    got = missing(value, {"type": "string", "pattern": pattern} if pattern else None)
    assert got == expected
    assert pattern is None or re.search(pattern, str(got))


def test_numbers_and_uuids_have_their_own_stand_ins() -> None:
    """An integer id, a digit string and a UUID (by value or by format) get fixed stand-ins."""
    assert missing(42) == missing("42") == missing(None, {"type": "integer"}) == MISSING_NUMBER
    assert missing("0b6f3c1e-58a3-4c1f-9a44-2f0c3d6f1b7e") == MISSING_UUID
    assert missing(None, {"type": "string", "format": "uuid"}) == MISSING_UUID


def test_without_a_shape_or_a_fit_the_plain_forms_stand_in() -> None:
    """No value known: the fallback; a pattern nothing shaped fits: the readable form."""
    assert missing() == FALLBACK
    assert missing("x", {"pattern": "^y"}) == "apiward-missing-x"
    assert missing("a.b", {"pattern": "(unclosed"}) == "a.z"
