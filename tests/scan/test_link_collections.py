"""Nested collections of links (``scan._links``): objects that point at another's get a kind of their own."""

from __future__ import annotations

from pathlib import Path

import pytest

from apiward.scan._deleters import deleter
from apiward.scan._links import Links
from apiward.scan._objects import item_of, new_id
from apiward.scan.request import Request
from apiward.spec import Api, load

SPEC = """
openapi: 3.0.3
info: {title: t, version: '1'}
components:
  schemas:
    Line:
      type: object
      properties: {id: {type: integer}, work_order_id: {type: integer}, part_id: {type: integer}}
paths:
  /parts/{id}:
    get: {parameters: [{name: id, in: path, required: true, schema: {type: integer}}], responses: {'200': {description: ok}}}
    delete: {parameters: [{name: id, in: path, required: true, schema: {type: integer}}], responses: {'204': {description: gone}}}
  /jobs/{id}/parts:
    post:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses: {'201': {description: made, content: {application/json: {schema: {$ref: '#/components/schemas/Line'}}}}}
  /crews/{id}/parts:
    post:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses: {'201': {description: made}}
  /projects/{id}/notes:
    post:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses: {'201': {description: made}}
  /notes/{note_id}:
    delete: {parameters: [{name: note_id, in: path, required: true, schema: {type: integer}}], responses: {'204': {description: gone}}}
  /work-orders/{id}/parts:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses:
        '200':
          description: ok
          content: {application/json: {schema: {type: object, properties: {items: {type: array, items: {$ref: '#/components/schemas/Line'}}, total: {type: integer}}}}}
  /work-orders/{id}/parts/{line_id}:
    get:
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
        - {name: line_id, in: path, required: true, schema: {type: integer}}
      responses: {'200': {description: ok}}
  /users/{id}/orders:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses: {'200': {description: ok}}
  /users/{id}/profile:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]
      responses: {'200': {description: ok}}
"""


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Api:
    """Lines booked onto work orders, documented; orders under users, not documented."""
    path: Path = tmp_path_factory.mktemp("spec") / "spec.yaml"
    path.write_text(SPEC)
    return load(path)


def test_documented_links_get_the_parents_noun(api: Api) -> None:
    """A documented line (own id, ``part_id``) under work orders is a work-order-part."""
    links = Links(api)
    assert links.resource_of("/work-orders/{id}/parts") == ("work-order-parts", "work-order-part")
    assert links.collection_of("/work-orders/{id}/parts/{line_id}", "line_id") == "work-order-parts"


def test_the_parent_and_the_catalogue_keep_their_own(api: Api) -> None:
    """The parent's id and the top-level collection are what they were."""
    links = Links(api)
    assert links.collection_of("/work-orders/{id}/parts/{line_id}", "id") == "work-orders"
    assert links.resource_of("/parts/{id}") == ("parts", "part")


@pytest.mark.parametrize(
    ("item", "kind"),
    [
        ({"id": 9, "user_id": 1, "total": 3}, "order"),
        ({"order_id": 9, "user_id": 1}, "order"),
        ({"id": 9, "order_id": 9}, "order"),
        ({"id": 4, "order_id": 9, "user_id": 1}, "user-order"),
    ],
    ids=["own-objects", "keyed-by-noun", "same-value", "links"],
)
def test_links_are_learned_from_objects(api: Api, item: dict[str, int], kind: str) -> None:
    """Objects read under a parent are links only with a key of their own and another noun id."""
    links = Links(api)
    links.learn("/users/{id}/orders", item)
    assert links.resource_of("/users/{id}/orders")[1] == kind


def test_a_singular_segment_is_no_collection(api: Api) -> None:
    """``/users/{id}/profile`` names one object of the user's, not a collection of links."""
    links = Links(api)
    links.learn("/users/{id}/profile", {"id": 3, "profile_id": 8})
    assert links.resource_of("/users/{id}/profile") == ("profile", "profile")


def test_a_documented_link_has_no_item_path_above(api: Api) -> None:
    """A line booked at ``/jobs/{id}/parts`` is no ``/parts/{id}``; a project's note is a ``/notes/{note_id}``."""
    assert item_of(api, "/jobs/{id}/parts") is None
    assert item_of(api, "/projects/{id}/notes") == ("/notes/{note_id}", "note_id")


def test_an_undocumented_link_is_known_by_its_answer(api: Api) -> None:
    """A creation's answer that is a link gives its own id, and its DELETE is not the part's."""
    made = Request(method="POST", path="/crews/{id}/parts", path_params={"id": "1"})
    assert new_id(api, made, {"id": 7, "crew_id": 1, "part_id": 2}, None) == "7"
    assert deleter(api, made, "7", linked=True) is None


@pytest.mark.parametrize("answer", [None, "created", [{"id": 4, "order_id": 9}], 7], ids=repr)
def test_an_answer_that_is_no_object_teaches_nothing(api: Api, answer: object) -> None:
    """A creation answered with text, a list or nothing leaves the collection as it was."""
    links = Links(api)
    links.learn("/users/{id}/orders", answer)
    assert not links.holds("/users/{id}/orders")
