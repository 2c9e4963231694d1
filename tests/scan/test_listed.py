"""What an identity sees in listings it may read (``scan.listed``), and nested listings."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from apiward.scan.listed import Listed
from apiward.scan.nested import is_nested_listing
from apiward.scan.request import Request
from apiward.spec import Api, load

COMMENT = {"id": 7, "recipeId": 1, "author": "alice", "body": "Lovely", "createdAt": "2026-03-04"}


def _listed() -> Listed:
    listed = Listed()
    listed.add("bob", "recipe", 1, {"id": 1, "title": "Pancakes", "author": "alice"})
    listed.add("bob", "comment", 7, COMMENT)
    return listed


def test_a_read_that_shows_only_the_row_is_seen() -> None:
    """The same object, the same values (a later timestamp aside, an envelope around it)."""
    listed = _listed()
    assert listed.shows("bob", "comment", 7, {**COMMENT, "createdAt": "2026-03-05"})
    assert listed.shows("bob", "comment", 7, {"data": COMMENT})
    assert listed.shows("bob", "comment", 7, {**COMMENT, "recipeTitle": "Pancakes"})


def test_what_the_row_does_not_show_is_not_seen() -> None:
    """Another identity, another kind, an e-mail or a number the row lacks: not seen."""
    listed = _listed()
    assert not listed.shows("alice", "comment", 7, COMMENT)
    assert not listed.shows("bob", "recipe", 7, COMMENT)
    assert not listed.shows("bob", "comment", 7, {**COMMENT, "email": "alice@x.test"})
    assert not listed.shows("bob", "comment", 7, {**COMMENT, "likes": 12})
    assert not listed.shows("bob", "comment", 8, COMMENT)


def test_an_object_is_placed_under_the_parents_it_was_listed_under() -> None:
    """A line listed under order 5 is read at /orders/5/lines/{line}, whatever the baseline said."""
    api = _api({"/orders/{order_id}/lines/{line_id}": _get("order_id", "line_id")})
    (op,) = api.operations
    listed = Listed()
    sent = Request(method="GET", path="/orders/{id}/lines", path_params={"id": "5"})
    listed.under("line", 51, sent)
    base = Request(method="GET", path=op.path, path_params={"order_id": "9", "line_id": "91"})
    placed = listed.place(base, op, "line_id", "line", 51)
    assert dict(placed.path_params) == {"order_id": "5", "line_id": "51"}


def test_nested_listings_are_collections_under_path_ids() -> None:
    """An array answer or a plural last segment lists; a single sub-resource does not."""
    array = {"200": {"description": "ok", "content": {"application/json": {"schema": {
        "type": "array", "items": {"type": "object"}}}}}}  # fmt: skip
    single = {"200": {"description": "ok", "content": {"application/json": {"schema": {
        "type": "object", "properties": {"total": {"type": "integer"}}}}}}}  # fmt: skip
    api = _api(
        {
            "/recipes/{id}/comments": _get("id", responses=array),
            "/orders/{id}/lines": _get("id"),
            "/accounts/{id}/balance": _get("id", responses=single),
            "/users/{id}/avatar": _get("id"),
            "/orders/{id}": _get("id"),
            "/orders": _get(),
        }
    )
    nested = {op.path for op in api.operations if is_nested_listing(api, op)}
    assert nested == {"/recipes/{id}/comments", "/orders/{id}/lines"}


def _get(*names: str, responses: dict[str, Any] | None = None) -> dict[str, Any]:
    params = [
        {"name": n, "in": "path", "required": True, "schema": {"type": "integer"}} for n in names
    ]
    return {"get": {"parameters": params, "responses": responses or {"200": {"description": "ok"}}}}


def _api(paths: dict[str, Any]) -> Api:
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "spec.json"
        path.write_text(json.dumps(spec))
        return load(path)


def test_a_field_every_own_row_holds_the_callers_id_in_is_an_alias() -> None:
    """``student_id`` 4 in each of sara's enrollments is her id; a course_id that varies is not."""
    listed = Listed()
    listed.add("sara", "enrollment", 1, {"id": 1, "student_id": 4, "course_id": 4})
    listed.add("sara", "enrollment", 2, {"id": 2, "student_id": 4, "course_id": 7})
    listed.add("sara", "course", 4, {"id": 4, "title": "Rust"})
    assert listed.aliases("sara", {"4"}) == {("student_id", "4")}
    assert listed.aliases("sara", {"5"}) == set()
    listed.add("sara", "enrollment", 3, {"id": 3, "course_id": 4})
    assert listed.aliases("sara", {"4"}) == set()  # a row without it: not every row's


def test_a_kept_field_every_own_row_holds_one_own_value_in_is_held() -> None:
    """``grower: alma`` in each of alma's deliveries is held (kept for ``?grower=``), not an id
    alias; ``crop``, not kept, is never held, though every row of hers says ``wheat``."""
    listed = Listed(keep=lambda name: name == "grower")
    listed.add("alma", "delivery", 1, {"id": 1, "grower": "alma", "crop": "wheat"})
    listed.add("alma", "delivery", 2, {"id": 2, "grower": "alma", "crop": "wheat"})
    assert listed.held("alma", {"alma", "wheat"}) == {("delivery", "grower", "alma")}
    assert listed.aliases("alma", {"alma"}) == set()


def test_a_row_any_listing_of_the_reader_shows_is_listed() -> None:
    """Alice's published recipe in bob's listing of published ones, whatever its kind there."""
    listed = Listed()
    listed.add("bob", "published", 1, {"id": 1, "title": "Lentil soup", "author_id": 1})
    assert listed.lists("bob", {"id": 1, "title": "Lentil soup", "published": True})
    assert not listed.lists("bob", {"id": 2, "title": "Secret chili"})
    assert not listed.lists("alice", {"id": 1, "title": "Lentil soup"})
