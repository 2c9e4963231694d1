"""Registries: explicit, ordered, one name each."""

from __future__ import annotations

import pytest

from apiward.core.registry import Registry


def test_items_keep_registration_order() -> None:
    """Iteration and names() follow the order items were registered in."""
    registry = Registry[int]("number", (("one", 1), ("two", 2)))
    registry.register("three", 3)
    assert list(registry) == [1, 2, 3]
    assert registry.names() == ("one", "two", "three")
    assert "two" in registry
    assert len(registry) == 3


def test_a_name_is_registered_once() -> None:
    """Registering a name twice is an error, not a silent replacement."""
    registry = Registry[int]("number", (("one", 1),))
    with pytest.raises(ValueError, match="already registered"):
        registry.register("one", 11)


def test_unknown_name_lists_the_known_ones() -> None:
    """Looking up a missing name says which names exist."""
    with pytest.raises(KeyError, match=r"unknown number 'nine' \(known: one\)"):
        Registry[int]("number", (("one", 1),)).get("nine")
