"""Sensitive-data classifiers: each kind found where it is, and only there."""

from __future__ import annotations

import pytest

from apiward.core.sensitive import DataClass, classify_name, classify_value, iban_valid, luhn

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLW5vdC1jaGVja2VkLWhlcmU"
)


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("alice@example.org", DataClass.EMAIL),
        ("+49 30 1234567", DataClass.PHONE),
        ("+14155552671", DataClass.PHONE),
        ("4111 1111 1111 1111", DataClass.CARD),
        ("5500-0000-0000-0004", DataClass.CARD),
        ("378282246310005", DataClass.CARD),
        ("DE89 3704 0044 0532 0130 00", DataClass.IBAN),
        ("GB82WEST12345698765432", DataClass.IBAN),
        ("123-45-6789", DataClass.NATIONAL_ID),
        (JWT, DataClass.JWT),
        ("sk_live_4eC39HqLyjWDarjtT1zdp7dc", DataClass.API_KEY),
        ("ghp_16C7e42F292c6912E7710c838347Ae178B4a", DataClass.API_KEY),
        ("AKIAIOSFODNN7EXAMPLE1234", DataClass.API_KEY),
    ],
    ids=lambda v: str(v)[:24],
)
def test_values_of_each_kind_are_classified(value: str, kind: DataClass) -> None:
    """A value with the shape and the check digits of a kind is that kind."""
    assert classify_value(value) == kind


@pytest.mark.parametrize(
    "value",
    [
        "4111111111111000",  # card-shaped, fails Luhn
        "1234567890123452",  # passes Luhn, but no card brand starts with 1
        "DE89 3704 0044 0532 0130 01",  # IBAN-shaped, fails mod-97
        "666-12-3456",  # never issued
        "123-00-6789",
        "000-12-3456",
        "123456789",  # undashed: could be anything
        "030 1234567",  # a phone without +: could be anything
        "eyJub3QiOiJqd3QifQ.eyJ4IjoxfQ.sig",  # header has no alg
        "sk_live_aaaaaaaaaaaaaaaa",  # known prefix, no entropy
        "not an email@",
        "order-2026-0001",
    ],
    ids=lambda v: v[:24],
)
def test_lookalikes_are_not_classified(value: str) -> None:
    """A value that fails the kind's check is not that kind: precision over recall."""
    assert classify_value(value) is None


@pytest.mark.parametrize(
    ("name", "format", "kind"),
    [
        ("password", None, DataClass.PASSWORD),
        ("password_hash", None, DataClass.PASSWORD),
        ("new-passwd", None, DataClass.PASSWORD),
        ("secret_word", "password", DataClass.PASSWORD),
        ("contact", "email", DataClass.EMAIL),
        ("email_address", None, DataClass.EMAIL),
        ("card_number", None, DataClass.CARD),
        ("ssn", None, DataClass.NATIONAL_ID),
        ("mobile_phone", None, DataClass.PHONE),
        ("x-api-key", None, DataClass.API_KEY),
        ("refresh_token", None, DataClass.SECRET),
        ("client_secret", None, DataClass.SECRET),
        ("bypass", None, None),
        ("passport_country", None, None),
        ("token_type", None, None),
        ("nickname", None, None),
    ],
    ids=lambda v: str(v),
)
def test_names_and_formats_are_classified(
    name: str, format: str | None, kind: DataClass | None
) -> None:
    """Field and parameter names (and formats) announce passwords, secrets and personal data."""
    assert classify_name(name, format) == kind


def test_check_digit_helpers() -> None:
    """Luhn and mod-97 accept the published test numbers and reject a changed digit."""
    assert luhn("79927398713")
    assert not luhn("79927398710")
    assert iban_valid("GB82 WEST 1234 5698 7654 32")
    assert not iban_valid("GB82 WEST 1234 5698 7654 33")
