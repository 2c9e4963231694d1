"""Alias bombs are weighed on the composed YAML tree, without expanding them."""

from __future__ import annotations

import pytest
import yaml

from apiward.core.aliases import budget, expanded_size, too_big


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


@pytest.mark.parametrize(
    "text",
    [
        "a: &a [1, *a]\n",  # after a separating space
        "a:\t&a [1, *a]\n",  # after a tab (libyaml takes it)
        "&a [1, *a]\n",  # at the start
        "\ufeff&a [1, *a]\n",  # after a byte-order mark
        "--- &a [1, *a]\n",  # on the document
        "[&a [1, *a]]\n",  # first in a flow sequence
        "[1,&a [1, *a]]\n",  # after a comma
        '{"k":&a [1, *a]}\n',  # after a JSON-like key's colon
        "a: !!seq &a [1, *a]\n",  # after a tag
        "? &a [1, *a]\n: x\n",  # a complex key
    ],
)
def test_an_anchor_anywhere_yaml_takes_one_is_weighed(text: str) -> None:
    """Each text's one anchor holds an alias to itself: wherever it stands, it is too big."""
    node = yaml.compose(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    assert node is not None
    assert too_big(node, text)


def test_a_large_document_without_anchors_is_not_too_big() -> None:
    """Ampersands in prose, and 200,000 values written out: nothing stands for more."""
    text = "d: Tom & Jerry, a=1&b=2\nl: [" + ", ".join(["x"] * 200_000) + "]\n"
    assert not too_big(_tree(text), text)
