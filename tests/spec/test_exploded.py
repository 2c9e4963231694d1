"""An exploded query object is its properties: ``?channelId=1&$limit=10``, not ``?filter=…``.

feathers-swagger declares a service's filters as one ``filter`` parameter, an object with
OpenAPI's default ``style: form, explode: true``; NestJS query DTOs and others do the same,
or use ``style: deepObject`` (``?filter[channelId]=1``). LoopBack's ``filter`` is given by
``content: application/json``: one JSON value, which stays as it is.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from apiward.spec import ParameterLocation, load

QUERY = {
    "type": "object",
    "properties": {
        "$limit": {"type": "integer", "minimum": 0},
        "$skip": {"type": "integer", "minimum": 0},
        "channelId": {"type": "integer", "description": "Messages of one channel"},
    },
    "required": ["channelId"],
}


def _param(**fields: Any) -> dict[str, Any]:
    return {"in": "query", **fields}


def _contract(*parameters: dict[str, Any]) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "chat", "version": "1"},
        "components": {"schemas": {"MessageQuery": QUERY}},
        "paths": {
            "/messages": {
                "get": {"parameters": list(parameters), "responses": {"200": {"description": "ok"}}}
            }
        },
    }


def _query(tmp_path: Path, *parameters: dict[str, Any]) -> dict[str, Any]:
    (tmp_path / "openapi.json").write_text(json.dumps(_contract(*parameters)))
    [op] = load(str(tmp_path / "openapi.json")).operations
    return {p.name: p for p in op.parameters if p.location is ParameterLocation.QUERY}


def test_a_form_object_is_its_properties(tmp_path: Path) -> None:
    """feathers-swagger's filter: three query parameters, required only where both say so."""
    ref = {"$ref": "#/components/schemas/MessageQuery"}
    found = _query(tmp_path, _param(name="filter", style="form", explode=True, schema=ref))
    assert list(found) == ["$limit", "$skip", "channelId"]
    assert [found[n].required for n in found] == [False, False, False]
    assert found["channelId"].description == "Messages of one channel"
    required = _query(tmp_path, _param(name="filter", required=True, schema=QUERY))
    assert [n for n, p in required.items() if p.required] == ["channelId"]


def test_deep_objects_take_brackets_and_own_parameters_win(tmp_path: Path) -> None:
    """deepObject sends filter[channelId]; a property declared on its own is not doubled."""
    deep = _query(tmp_path, _param(name="filter", style="deepObject", schema=QUERY))
    assert list(deep) == ["filter[$limit]", "filter[$skip]", "filter[channelId]"]
    own = _param(name="$limit", schema={"type": "integer", "maximum": 50})
    both = _query(tmp_path, own, _param(name="filter", schema=QUERY))
    assert list(both) == ["$limit", "$skip", "channelId"]
    assert both["$limit"].schema.get("maximum") == 50


def test_a_json_value_or_an_unexploded_object_stays_one_parameter(tmp_path: Path) -> None:
    """LoopBack's content-encoded filter and explode: false are one value each."""
    content = {"application/json": {"schema": QUERY}}
    loop = _query(tmp_path, _param(name="filter", content=content))
    assert list(loop) == ["filter"]
    assert loop["filter"].media == "application/json"
    joined = _query(tmp_path, _param(name="filter", explode=False, schema=QUERY))
    assert list(joined) == ["filter"]
