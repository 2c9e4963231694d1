"""A clean contract every rule is silent on, and a helper to audit variants of it."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from apiward.audit.contract import ContractAudit, audit_spec

Spec = dict[str, Any]


def _operation(op_id: str, **extra: Any) -> Spec:
    ok = {
        "description": "ok",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}},
    }
    return {
        "operationId": op_id,
        "summary": op_id,
        "responses": {
            "200": ok,
            "401": {"description": "no credentials"},
            "403": {"description": "forbidden"},
            "429": {"description": "slow down"},
        },
        **extra,
    }


def clean_spec() -> Spec:
    """A small contract that no rule flags."""
    item_id = {
        "name": "item",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "format": "uuid"},
    }
    body = {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Item"}}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": "T", "version": "1"},
        "servers": [{"url": "https://api.example.com"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Item": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "id": {"type": "string", "format": "uuid", "readOnly": True},
                        "name": {"type": "string", "maxLength": 50},
                        "count": {"type": "integer", "minimum": 0, "maximum": 10},
                        "tags": {
                            "type": "array",
                            "maxItems": 5,
                            "items": {"type": "string", "enum": ["a", "b"]},
                        },
                    },
                }
            },
        },
        "paths": {
            "/items": {"post": _operation("createItem", requestBody=body)},
            "/items/{item}": {"get": _operation("getItem", parameters=[item_id])},
        },
    }


@pytest.fixture
def audit_variant(tmp_path: Path) -> Callable[[Callable[[Spec], object]], ContractAudit]:
    """Audit the clean spec after ``change`` edits it in place."""

    def run(change: Callable[[Spec], object]) -> ContractAudit:
        spec = copy.deepcopy(clean_spec())
        change(spec)
        path = tmp_path / "openapi.json"
        path.write_text(json.dumps(spec, indent=1))
        return audit_spec(path)

    return run
