"""Response filters: undeclared properties go at any depth; an answer with none comes back as is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from apiward.guard.filtering import Filter, compile_filter
from apiward.spec import Api, load

# A paginated listing as many APIs write one: an envelope, an array of objects that
# refer to a shared schema, a nested object, and one free-form map.
CONTRACT = """
openapi: 3.0.3
info: {title: orders, version: "1"}
paths:
  /orders:
    get:
      responses:
        "200":
          description: a page of orders
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Page"}
components:
  schemas:
    Page:
      type: object
      properties:
        next: {type: string, nullable: true}
        orders: {type: array, items: {$ref: "#/components/schemas/Order"}}
    Order:
      type: object
      properties:
        id: {type: integer}
        customer: {$ref: "#/components/schemas/Customer"}
        lines: {type: array, items: {type: object, properties: {sku: {type: string}}}}
        metadata: {type: object, additionalProperties: true}
    Customer:
      type: object
      properties:
        name: {type: string}
"""


@pytest.fixture
def page_filter(tmp_path: Path) -> Filter:
    path = tmp_path / "orders.yaml"
    path.write_text(CONTRACT)
    api: Api = load(path)
    (listing,) = api.operations
    return compile_filter(api, listing.responses["200"].content["application/json"])


def _order(**extra: Any) -> dict[str, Any]:
    return {
        "id": 1,
        "customer": {"name": "ada"},
        "lines": [{"sku": "pen"}, {"sku": "ink"}],
        "metadata": {"anything": {"goes": True}},
        **extra,
    }


def test_a_declared_answer_comes_back_as_the_same_object(page_filter: Filter) -> None:
    """Nothing undeclared at any depth: the filter returns the very document it was given."""
    page = {"next": None, "orders": [_order(), _order()]}
    assert page_filter(page) is page


def test_undeclared_properties_deep_inside_declared_ones_are_removed(page_filter: Filter) -> None:
    """Every level is declared but an array item's nested object: only that property goes."""
    page = {"next": "b", "orders": [_order(), _order(customer={"name": "bo", "ssn": "123"})]}
    kept = page_filter(page)
    assert kept["orders"][1]["customer"] == {"name": "bo"}
    assert kept["orders"][0] == _order()
    assert page["orders"][1]["customer"]["ssn"] == "123"  # the app's document is not mutated


def test_undeclared_properties_in_array_items_are_removed(page_filter: Filter) -> None:
    """An inline item schema filters too: a line's cost price does not leave."""
    order = _order(lines=[{"sku": "pen", "cost": 0.2}])
    kept = page_filter({"next": None, "orders": [order]})
    assert kept["orders"][0]["lines"] == [{"sku": "pen"}]


def test_free_form_objects_are_kept_whole(page_filter: Filter) -> None:
    """additionalProperties: true keeps the map's unknown keys, nested ones included."""
    order = _order(metadata={"x": {"y": 1}})
    page = {"next": None, "orders": [order]}
    assert page_filter(page)["orders"][0]["metadata"] == {"x": {"y": 1}}


def test_top_level_undeclared_properties_are_removed(page_filter: Filter) -> None:
    """An envelope field outside the schema goes, the declared rest stays."""
    kept = page_filter({"next": None, "orders": [], "debug": {"sql": "select"}})
    assert kept == {"next": None, "orders": []}
