"""The OpenAPI 3.1 skeleton: valid, loadable, and shaped by what the traffic showed."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from openapi_spec_validator import validate

from apiward.inventory import skeleton, take_inventory
from apiward.inventory.observation import Batch, Observation
from apiward.inventory.shapes import infer, merge
from apiward.spec import load


def _document(*seen: Observation) -> dict[str, Any]:
    return skeleton(take_inventory([Batch(source="t", format="har", observations=seen)]))


def _order(order_id: int, body: dict[str, Any], status: int = 200) -> Observation:
    return Observation(
        method="GET",
        path=f"/users/42/orders/{order_id}",
        query=("expand",),
        status=status,
        response_body=json.dumps(body),
        response_content_type="application/json",
    )


def test_skeleton_is_valid_openapi_and_loads(tmp_path: Path) -> None:
    """openapi-spec-validator accepts it and apiward.spec.load reads every operation back."""
    document = _document(
        _order(1, {"id": 1, "total": 9.5, "paid_at": "2026-11-29T06:00:00Z"}),
        _order(2, {"id": 2, "total": 3, "note": None}),
        _order(3, {"error": "gone"}, status=404),
        Observation(
            method="POST",
            path="/users",
            status=201,
            request_body='{"email": "a@b.example"}',
            request_content_type="application/json",
        ),
        Observation(method="GET", path="/health"),
    )
    validate(document)
    path = tmp_path / "skeleton.json"
    path.write_text(json.dumps(document))
    api = load(path)
    assert sorted(op.key for op in api.operations) == [
        "GET /health",
        "GET /users/{id}/orders/{id2}",
        "POST /users",
    ]


def test_path_and_query_parameters_are_declared() -> None:
    """Repeated placeholder names are numbered; ids are integers; query names are listed."""
    operation = _document(_order(1, {}))["paths"]["/users/{id}/orders/{id2}"]["get"]
    parameters = {(p["name"], p["in"]): p["schema"] for p in operation["parameters"]}
    assert parameters == {
        ("id", "path"): {"type": "integer"},
        ("id2", "path"): {"type": "integer"},
        ("expand", "query"): {"type": "string"},
    }


def test_response_schemas_are_inferred_from_bodies_per_status() -> None:
    """Properties seen everywhere are required; a number seen as int and float is a number."""
    responses = _document(
        _order(1, {"id": 1, "total": 9.5, "paid_at": "2026-11-29T06:00:00Z"}),
        _order(2, {"id": 2, "total": 3}),
    )["paths"]["/users/{id}/orders/{id2}"]["get"]["responses"]
    schema = responses["200"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["id", "total"]
    assert schema["properties"]["total"] == {"type": "number"}
    assert schema["properties"]["paid_at"] == {"type": "string", "format": "date-time"}
    assert responses["200"]["description"] == "Observed 2 time(s)."


def test_shapes_merge_disagreeing_types_into_a_list() -> None:
    """A string and a null sample make a ["null", "string"] type; arrays merge their items."""
    assert merge(infer("x"), infer(None)) == {"type": ["null", "string"]}
    assert infer([{"a": 1}, {"a": 2, "b": "c@d.example"}]) == {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"a": {"type": "integer"}, "b": {"type": "string", "format": "email"}},
            "required": ["a"],
        },
    }
