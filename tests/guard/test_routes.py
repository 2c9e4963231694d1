"""The route table: exact matching on the canonical path, literals before templates."""

from __future__ import annotations

import pytest

from apiward.guard.routes import RouteTable
from apiward.spec import Api


def test_literal_segment_wins_over_template(api: Api) -> None:
    """/items/mine is its own operation, not item_id='mine'."""
    match = RouteTable.from_api(api).match("GET", "/items/mine")
    assert match is not None
    assert match.route.key == "GET /items/mine"


def test_template_binds_parameters(api: Api) -> None:
    """/items/7 resolves to GET /items/{item_id} with item_id='7'."""
    match = RouteTable.from_api(api).match("GET", "/items/7")
    assert match is not None
    assert (match.route.key, dict(match.params)) == ("GET /items/{item_id}", {"item_id": "7"})


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/Items"),
        ("GET", "/items/"),
        ("GET", "/items;x"),
        ("DELETE", "/items"),
        ("GET", "/items/7/x"),
        ("GET", "/admin"),
    ],
    ids=["case", "trailing-slash", "semicolon", "wrong-method", "extra-segment", "undocumented"],
)
def test_anything_else_is_unknown(api: Api, method: str, path: str) -> None:
    """Case, trailing slash, ';' parameters and undocumented paths match nothing."""
    assert RouteTable.from_api(api).match(method, path) is None
