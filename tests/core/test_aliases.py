"""Alias bombs are weighed on the composed YAML tree, without expanding them."""

from __future__ import annotations

import pytest
import yaml

from apiward.core.aliases import budget, expanded_size


def _tree(text: str) -> yaml.Node:
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    assert node is not None
    return node


def test_a_document_without_aliases_counts_its_nodes() -> None:
    """The root, two keys, a list of two (3 nodes) and ``x``: each node once."""
    assert expanded_size(_tree("a: [1, 2]\nb: x\n")) == 7


def test_each_alias_counts_what_it_stands_for() -> None:
    """The root, two keys, ``[1, 2]`` (3 nodes), and ``[*l, *l]``: 1 + twice those 3."""
    assert expanded_size(_tree("l: &l [1, 2]\nm: [*l, *l]\n")) == 1 + 2 + 3 + (1 + 2 * 3)


@pytest.mark.timeout(30)
def test_nine_levels_of_ten_laughs_are_weighed_at_once_and_over_budget() -> None:
    """10^9 values in under 1 kB of text, counted in a few hundred steps."""
    lines = ["l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 9)]
    text = "\n".join(lines)
    assert expanded_size(_tree(text)) > 10**9
    assert budget(len(text)) < 10**6


def test_a_recursive_alias_is_infinite() -> None:
    """``&a [*a]`` contains itself: no walk of it ends."""
    assert expanded_size(_tree("a: &a [1, *a]\n")) == float("inf")
