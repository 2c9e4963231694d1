"""Which id slots exist to reach what is not the caller's: destinations, grantees, secret links."""

from __future__ import annotations

import pytest

from apiward.scan.checks._purposes import capability, destination
from apiward.scan.fitting import Slot
from apiward.scan.request import Where


def _path(name: str) -> Slot:
    return Slot(where=Where.PATH, name=name, schema={"type": "string"})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("code", "kxqBogy3GZ"),
        ("code", "Tnz3nXcSfv"),  # a letter twice: still a random code (the Feathers trial's)
        ("shareToken", "a3f9c2e81b7d4e60a3f9c2e81b7d4e60"),
        ("invite_code", "Q8xk2Lq9Zp"),
    ],
)
def test_a_random_secret_named_as_a_link_is_a_capability(name: str, value: str) -> None:
    """Whoever holds it may read: no BOLA to report there."""
    assert capability(_path(name), value)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("code", "WELCOME50"),  # a promo code anyone can guess
        ("code", "INV-2024-0001"),  # a number in sequence
        ("token_id", "a3f9c2e81b7d4e60"),  # the id of a token object, not the token
        ("doc_id", "doc_sqnbomzwlqci"),  # random, but named as an object's id
        ("code", "slugsarewords"),  # no digit: a word
    ],
)
def test_guessable_values_and_object_ids_are_not(name: str, value: str) -> None:
    """Those stay BOLA slots like any other."""
    assert not capability(_path(name), value)


def test_destinations_are_named_so() -> None:
    """to_account, toAccount and recipientId (the hapi trial's message, a false high BOLA)
    point elsewhere; tokenId and toolId do not."""
    assert destination(_path("to_account"))
    assert destination(_path("toAccount"))
    assert destination(_path("recipientId"))
    assert destination(_path("messageRecipient"))
    assert not destination(_path("tokenId"))
    assert not destination(_path("toolId"))
