"""The route table: exact matching on the canonical path, literals before templates."""

from __future__ import annotations

from pathlib import Path

import pytest

from apiward.guard.routes import RouteTable
from apiward.spec import Api, load


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


OTHER_NAMES = """
openapi: 3.0.3
info: {title: names, version: "1"}
paths:
  /orgs/{org-id}/repos/{repo.name}:
    get: {responses: {"200": {description: ok}}}
  /v1/{class}/{Ünïcode}:
    get: {responses: {"200": {description: ok}}}
"""


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/orgs/acme/repos/web", {"org-id": "acme", "repo.name": "web"}),
        ("/v1/k/v", {"class": "k", "Ünïcode": "v"}),
    ],
    ids=["not-identifiers", "keyword-and-unicode"],
)
def test_any_parameter_name_binds(tmp_path: Path, path: str, params: dict[str, str]) -> None:
    """Names with '-' or '.', Python keywords and non-ASCII letters bind like any other."""
    spec = tmp_path / "names.yaml"
    spec.write_text(OTHER_NAMES, encoding="utf-8")
    match = RouteTable.from_api(load(spec)).match("GET", path)
    assert match is not None
    assert dict(match.params) == params
