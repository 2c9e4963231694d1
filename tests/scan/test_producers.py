"""Producers: which POSTs create objects whatever status they document, which are actions."""

from __future__ import annotations

from pathlib import Path

import pytest

from apiward.scan._objects import creates
from apiward.scan.producers import is_listing
from apiward.spec import Api, load

_OK = "{responses: {'200': {description: ok}}}"
_CREATED = "{responses: {'201': {description: created}}}"
_ITEM = (
    "\n    get:\n      parameters: [{name: x, in: path, required: true, schema: {type: string}}]"
    "\n      responses: {'200': {description: ok}}"
)
SPEC = f"""
openapi: 3.1.0
info: {{title: t, version: '1'}}
paths:
  /books/v1:
    get: {_OK}
    post: {_OK}
  /books/v1/{{x}}:{_ITEM}
  /comments:
    post: {{responses: {{'204': {{description: done}}}}}}
  /comments/{{x}}:{_ITEM}
  /users/v1/register:
    post: {_OK}
  /users/v1/login:
    post: {_OK}
  /books/search:
    post: {_OK}
  /orders:
    get: {_OK}
    post:
      operationId: queryOrders
      responses: {{'200': {{description: ok}}}}
  /payments:
    post: {_CREATED}
  /reports/{{x}}:
    post: {_OK}
"""


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Api:
    """POSTs as other people document them."""
    path: Path = tmp_path_factory.mktemp("spec") / "spec.yaml"
    path.write_text(SPEC)
    return load(path)


@pytest.mark.parametrize(
    ("path", "creation"),
    [
        ("/books/v1", True),
        ("/comments", True),
        ("/payments", True),
        ("/users/v1/register", False),
        ("/users/v1/login", False),
        ("/books/search", False),
        ("/orders", False),
        ("/reports/{x}", False),
    ],
    ids=[
        "200-with-listing",
        "204-with-items",
        "201",
        "sign-up",
        "login",
        "search-path",
        "query-operation-id",
        "on-an-item",
    ],
)
def test_a_post_on_a_collection_creates_unless_it_is_an_action(
    api: Api, path: str, creation: bool
) -> None:
    """Any documented status creates on a collection the contract reads; actions never do."""
    op = api.operation("POST", path)
    assert op is not None
    assert creates(api, op) is creation


def test_a_login_operation_is_never_a_creation(api: Api) -> None:
    """Even a 201 POST is no creation when an identity logs in through it."""
    op = api.operation("POST", "/payments")
    assert op is not None
    assert not creates(api, op, {"POST /payments"})


def test_listings_are_gets_on_collections(api: Api) -> None:
    """GET /books/v1 lists; GET /books/v1/{x} reads one object."""
    listing, item = api.operation("GET", "/books/v1"), api.operation("GET", "/books/v1/{x}")
    assert listing is not None
    assert item is not None
    assert is_listing(listing)
    assert not is_listing(item)
