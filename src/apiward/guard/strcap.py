"""A length cap for string inputs the contract leaves unbounded (``validate.max_string_length``).

A string with no ``maxLength`` can be as long as the body cap allows, and a long
string is what makes a backtracking regex in the app slow (ReDoS). Given a bundled
JSON Schema, :func:`cap_strings` returns a copy where every schema that may be a
string and has no ``maxLength`` gets the policy's cap, so validation refuses a
longer one with its usual ``validate.invalid`` problem. Values (``enum``,
``const``, ``default``, examples) are data, not schemas, and are left alone.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_SCHEMA_MAPS = frozenset(
    {"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"}
)
_DATA = frozenset({"enum", "const", "default", "example", "examples"})


def cap_strings(schema: Any, limit: int) -> Any:
    """A copy of ``schema`` where each string schema without ``maxLength`` has ``limit``."""
    if isinstance(schema, list):
        return [cap_strings(item, limit) for item in schema]
    if not isinstance(schema, Mapping):
        return schema
    capped: dict[str, Any] = {}
    for key, value in schema.items():
        if key in _DATA:
            capped[key] = value
        elif key in _SCHEMA_MAPS and isinstance(value, Mapping):
            capped[key] = {name: cap_strings(sub, limit) for name, sub in value.items()}
        else:
            capped[key] = cap_strings(value, limit)
    if _may_be_string(schema) and "maxLength" not in schema:
        capped["maxLength"] = limit
    return capped


def _may_be_string(schema: Mapping[str, Any]) -> bool:
    kind = schema.get("type")
    return kind == "string" or (isinstance(kind, list) and "string" in kind)
