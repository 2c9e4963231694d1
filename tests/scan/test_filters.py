"""Which listing filters may name a person, and by which field of the rows (``scan.filters``)."""

from __future__ import annotations

import pytest

from apiward.scan.filters import filtered_by, person_numbers


@pytest.mark.parametrize(
    ("parameter", "field"),
    [
        ("grower", "grower"),
        ("member", "member_no"),
        ("member", "member_number"),
        ("member", "memberId"),
        ("renter", "renter_handle"),
    ],
    ids=["same-name", "number", "number-spelt-out", "camel-id", "handle"],
)
def test_a_filter_takes_its_own_name_or_it_and_an_identifier_word(
    parameter: str, field: str
) -> None:
    """``?member=`` filters by ``member``, ``member_no``, ``memberId``."""
    assert filtered_by(parameter, field)


@pytest.mark.parametrize(
    ("parameter", "field"),
    [
        ("member", "member_since"),
        ("member", "membership"),
        ("member", "member_card_no"),
        ("status", "status_changed_by"),
        ("grower", "region"),
    ],
    ids=["a-date", "another-word", "another-thing's-number", "a-person-after-a-property", "other"],
)
def test_a_filter_takes_no_field_that_only_starts_like_it(parameter: str, field: str) -> None:
    """A field that names something else beside the filter's word is not what it filters by."""
    assert not filtered_by(parameter, field)


def test_a_persons_numbers_are_a_word_for_people_and_an_identifier_word() -> None:
    """``member_no`` and ``customerNumber`` name the caller; a wall, a region code do not."""
    record = {
        "member_no": "M-1042",
        "customerNumber": 88,
        "home_wall": "north-cave",
        "region_code": "NW",
        "member_since": "2024-01-01",
        "active": True,
    }
    assert person_numbers(record) == {"M-1042", "88"}
