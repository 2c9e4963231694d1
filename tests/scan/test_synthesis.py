"""Synthesis: a valid, deterministic request per operation, URLs pointing at the canary."""

from __future__ import annotations

import random
import re
import uuid
from pathlib import Path

import pytest

from apiward.scan.request import BodyKind
from apiward.scan.synthesis import Synthesizer
from apiward.spec import Api, load

CANARY = "http://127.0.0.1:9/c/aw00"
SPEC = """
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /users/{user_id}/orders:
    post:
      parameters:
        - {name: user_id, in: path, required: true, schema: {type: string, format: uuid}}
        - {name: page, in: query, required: true, schema: {type: integer, minimum: 5, maximum: 9}}
        - {name: verbose, in: query, schema: {type: boolean}}
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Order'}
      responses: {'201': {description: created}}
  /import:
    post:
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [source]
              properties: {source: {type: string, format: uri}, count: {type: integer}}
      responses: {'200': {description: ok}}
components:
  schemas:
    Order:
      type: object
      required: [sku, email, quantity]
      properties:
        sku: {type: string, pattern: '^[A-Z]{3}-[0-9]{4}$'}
        email: {type: string, format: email}
        quantity: {type: integer, exclusiveMinimum: 0, maximum: 3}
        kind: {type: string, enum: [gift, normal]}
        note: {type: string, examples: [hello]}
        callback_url: {type: string}
        id: {type: integer, readOnly: true}
        parent: {$ref: '#/components/schemas/Order'}
"""


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Api:
    """A small contract with formats, patterns, bounds, refs, recursion and a form body."""
    path: Path = tmp_path_factory.mktemp("spec") / "spec.yaml"
    path.write_text(SPEC)
    return load(path)


def _op(api: Api, method: str, path: str):  # type: ignore[no-untyped-def]
    op = api.operation(method, path)
    assert op is not None
    return op


def test_values_follow_formats_patterns_bounds_and_enums(api: Api) -> None:
    """Every generated value is valid for its schema."""
    request = Synthesizer(api, url=CANARY).request(_op(api, "POST", "/users/{user_id}/orders"))
    uuid.UUID(request.path_params["user_id"])
    assert dict(request.query) == {"page": "5"}
    body = request.body
    assert re.fullmatch(r"[A-Z]{3}-[0-9]{4}", body["sku"])
    assert body["email"] == "apiward.scan@example.com"
    assert body["quantity"] == 1
    assert body["kind"] == "gift"
    assert body["note"] == "hello"
    assert "id" not in body
    assert request.body_kind is BodyKind.JSON


def test_url_values_point_at_the_canary(api: Api) -> None:
    """format: uri and URL-named fields get the canary URL, never an outside host."""
    order = Synthesizer(api, url=CANARY).request(_op(api, "POST", "/users/{user_id}/orders"))
    form = Synthesizer(api, url=CANARY).request(_op(api, "POST", "/import"))
    assert order.body["callback_url"] == CANARY
    assert form.body == {"source": CANARY, "count": "1"}
    assert form.body_kind is BodyKind.FORM


def test_recursion_is_bounded(api: Api) -> None:
    """A self-referencing schema still gives a finite value."""
    value = Synthesizer(api, url=CANARY).value(
        {"$ref": "#/$defs/Order"},
        random.Random(0),  # noqa: S311
        name="order",
    )
    depth = 0
    while isinstance(value, dict) and "parent" in value:
        value, depth = value["parent"], depth + 1
    assert depth < 10


def test_requests_are_deterministic_for_a_seed(api: Api) -> None:
    """The same seed gives the same request; another seed may differ."""
    op = _op(api, "POST", "/users/{user_id}/orders")
    first = Synthesizer(api, url=CANARY, seed=1).request(op)
    again = Synthesizer(api, url=CANARY, seed=1).request(op)
    other = Synthesizer(api, url=CANARY, seed=2).request(op)
    assert first == again
    assert first.path_params != other.path_params


def test_user_values_win_over_the_contract(api: Api) -> None:
    """A value given by name (--value) is used for that parameter and that body property."""
    synthesizer = Synthesizer(api, url=CANARY, values={"sku": "ABC-0001", "page": 7})
    request = synthesizer.request(_op(api, "POST", "/users/{user_id}/orders"))
    assert request.body["sku"] == "ABC-0001"
    assert ("page", "7") in request.query


def test_user_values_never_go_into_deletes(tmp_path: Path) -> None:
    """A value the user gave (a coupon to test with) is not what a DELETE request names."""
    path = tmp_path / "spec.yaml"
    path.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /codes/{code}:\n"
        "    parameters: [{name: code, in: path, required: true, schema: {type: string}}]\n"
        "    get: {responses: {'200': {description: ok}}}\n"
        "    delete: {responses: {'204': {description: gone}}}\n"
    )
    api = load(path)
    synthesizer = Synthesizer(api, url=CANARY, values={"code": "SPRING10"})
    assert synthesizer.request(_op(api, "GET", "/codes/{code}")).path_params["code"] == "SPRING10"
    assert (
        synthesizer.request(_op(api, "DELETE", "/codes/{code}")).path_params["code"] != "SPRING10"
    )


def test_user_values_given_as_text_take_the_schema_type(api: Api) -> None:
    """'--value quantity=2' is the integer 2 in JSON; text stays text where the schema says string."""
    values = {"quantity": "2", "note": "42", "email": "x@example.com"}
    synthesizer = Synthesizer(api, url=CANARY, values=values)
    body = synthesizer.request(_op(api, "POST", "/users/{user_id}/orders")).body
    assert (body["quantity"], body["note"], body["email"]) == (2, "42", "x@example.com")
