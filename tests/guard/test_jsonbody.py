"""Request JSON is read one way: the strict stdlib reading, however it is parsed."""

from __future__ import annotations

import json
from typing import Any

import pytest

from apiward.guard.jsonbody import parse_json
from apiward.guard.problem import Refusal, Rule


def _reading(body: bytes) -> Any:
    try:
        return parse_json(body)
    except Refusal as refusal:
        return refusal.rule


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": 1, "a": 2}',
        b'{"a": {"b": 1, "b": 1}}',
        b'[{"x:": 1}, {"y": 2, "y": 2}]',
        b'{"a:b": "c:d", "a:b": "c:d"}',
        b'{"k\\u0065y": 1, "key": 2}',
    ],
)
def test_a_repeated_key_is_refused_wherever_it_is(body: bytes) -> None:
    assert _reading(body) is Rule.DUPLICATE_KEY


def test_big_integers_stay_exact() -> None:
    assert parse_json(b'{"id": 123456789012345678901234567890}') == {
        "id": 123456789012345678901234567890
    }


@pytest.mark.parametrize(
    "body",
    [b"NaN", b"[1e400]", b"\xef\xbb\xbf{}", b'{"a": 1', b"[1, 2,]", b'{"a": "\xff"}'],
)
def test_what_the_strict_reading_refuses_is_refused(body: bytes) -> None:
    assert _reading(body) is Rule.MALFORMED_BODY


@pytest.mark.parametrize(
    "body",
    [
        b'{"name": "pen", "price": 1.5, "tags": ["a", "b"], "url": "https://a.example/p:1"}',
        b'[0.1, -0, 1E2, 2.5e-400, 18446744073709551615, true, null, "\x7f", {}]',
        '{"naïve": "café", "∑": [{"a:": ":"}]}'.encode(),
        b'"just: a string"',
        b"[1234567890, 1234567890, 123456789012345678901234567890]",
        b'{"a": 123456789, "b": 123456789, "c": 123456789}',
    ],
)
def test_accepted_bodies_read_as_the_stdlib_reads_them(body: bytes) -> None:
    expected = json.loads(body.decode())
    assert parse_json(body) == expected
    assert [type(v) for v in _leaves(parse_json(body))] == [type(v) for v in _leaves(expected)]


def _leaves(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [leaf for value in node.values() for leaf in _leaves(value)]
    if isinstance(node, list):
        return [leaf for value in node for leaf in _leaves(value)]
    return [node]
