"""Envelopes: listings and objects are found inside the wrappers real APIs put around them."""

from __future__ import annotations

from typing import Any

import pytest

from apiward.scan.envelope import objects, single, unwrap

USER = {"id": 7, "username": "name1"}
LISTINGS: list[tuple[str, Any]] = [
    ("bare", [USER]),
    ("data", {"data": [USER]}),
    ("status-data", {"status": "ok", "data": [USER]}),
    ("items-next", {"items": [USER], "next": "/users?page=2"}),
    ("drf", {"count": 1, "next": None, "previous": None, "results": [USER]}),
    ("named", {"users": [USER]}),
    ("named-total", {"users": [USER], "total": 1, "page": 1}),
    ("nested", {"data": {"result": [USER]}}),
    ("json-api-links", {"data": [USER], "links": {"next": None}, "meta": {"count": 1}}),
    ("feathers", {"total": 1, "limit": 10, "skip": 0, "data": [USER]}),
    ("take-skip", {"items": [USER], "take": 20, "skip": 0, "totalItems": 1}),
    # The Express trial's vehicles: no listing of it had been harvested at all.
    (
        "express-pagination",
        {
            "success": True,
            "count": 1,
            "pagination": {"page": 1, "limit": 25, "total": 1},
            "data": [USER],
        },
    ),
    ("page-info", {"nodes": [USER], "pageInfo": {"hasNextPage": False, "endCursor": None}}),
]
OBJECTS: list[tuple[str, Any]] = [
    ("bare", USER),
    ("data", {"data": USER}),
    ("result", {"result": USER}),
    ("named", {"user": USER}),
    ("success-payload", {"success": True, "message": "found", "payload": USER}),
]


@pytest.mark.parametrize(("shape", "answer"), LISTINGS, ids=[s for s, _ in LISTINGS])
def test_a_listing_is_found_in_every_common_envelope(shape: str, answer: Any) -> None:
    """The objects of a listing come out of bare arrays and of every common wrapper."""
    assert objects(answer) == [USER]


@pytest.mark.parametrize(("shape", "answer"), OBJECTS, ids=[s for s, _ in OBJECTS])
def test_an_object_is_found_in_every_common_envelope(shape: str, answer: Any) -> None:
    """An item answer's object comes out of its wrapper; a bare object is itself."""
    assert single(answer) == USER


def test_an_object_with_one_nested_field_is_not_an_envelope() -> None:
    """Fields of its own beside one nested value make it the object, not a wrapper."""
    answer = {"id": 3, "name": "x", "address": {"city": "Lyon"}}
    assert single(answer) == answer


def test_two_candidates_are_never_guessed_between() -> None:
    """Two nested objects that are not metadata: the mapping itself is the content."""
    answer = {"user": {"id": 1}, "account": {"id": 2}}
    assert unwrap(answer) == answer


def test_a_list_of_scalars_is_a_field_not_a_listing() -> None:
    """{"tags": [...]} of strings is not a listing of objects."""
    assert objects({"tags": ["a", "b"]}) is None


def test_an_object_is_not_a_listing_and_a_listing_not_an_object() -> None:
    """Callers can tell an item answer from a listing, and either from no data."""
    assert objects({"data": USER}) is None
    assert single({"data": [USER]}) is None
    assert single("plain text") is None
    assert objects(None) is None


def test_an_empty_listing_is_a_listing() -> None:
    """An empty page is still a listing (no objects), not 'not a listing'."""
    assert objects({"items": [], "next": None}) == []
