"""JSON Schema inferred from observed JSON values: simple, and merged over samples.

Objects list every property seen and require those present in every sample; arrays
merge their items; strings get a ``format`` only when every sample agrees (uuid,
email, date, date-time); an integer seen next to a float becomes ``number``. Anything
else that disagrees becomes a list of types, which JSON Schema 2020-12 allows.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
MAX_DEPTH = 16


def infer(value: Any, depth: int = 0) -> dict[str, Any]:
    """A JSON Schema that ``value`` satisfies."""
    if depth > MAX_DEPTH:
        return {}
    if isinstance(value, dict):
        return {
            "type": "object",
            "properties": {str(k): infer(v, depth + 1) for k, v in value.items()},
            "required": sorted(str(k) for k in value),
        }
    if isinstance(value, list):
        items: dict[str, Any] | None = None
        for item in value:
            shape = infer(item, depth + 1)
            items = shape if items is None else merge(items, shape)
        return {"type": "array", "items": items or {}}
    return _scalar(value)


def _scalar(value: Any) -> dict[str, Any]:
    if value is None:
        return {"type": "null"}
    if isinstance(value, bool):
        return {"type": "boolean"}
    if isinstance(value, int):
        return {"type": "integer"}
    if isinstance(value, float):
        return {"type": "number"}
    fmt = _format(str(value))
    return {"type": "string", "format": fmt} if fmt else {"type": "string"}


def _format(text: str) -> str | None:
    if _UUID.match(text):
        return "uuid"
    if _EMAIL.match(text):
        return "email"
    for kind, parse in (("date", date.fromisoformat), ("date-time", datetime.fromisoformat)):
        try:
            parse(text)
        except ValueError:
            continue
        if (kind == "date" and len(text) == 10) or (kind == "date-time" and "T" in text):
            return kind
    return None


def merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """One schema that both samples' schemas describe."""
    if not a or not b:
        return {}
    if a.get("type") == b.get("type") == "object":
        return _merge_objects(a, b)
    if a.get("type") == b.get("type") == "array":
        return {
            "type": "array",
            "items": merge(a["items"], b["items"])
            if a["items"] and b["items"]
            else a["items"] or b["items"],
        }
    if a == b:
        return a
    if {a.get("type"), b.get("type")} == {"integer", "number"}:
        return {"type": "number"}
    if a.get("type") == b.get("type"):
        return {"type": a["type"]}  # formats disagree: keep the type only
    return {"type": sorted(_types(a) | _types(b))}


def _types(schema: dict[str, Any]) -> set[str]:
    kind = schema.get("type")
    return set(kind) if isinstance(kind, list) else {str(kind)}


def _merge_objects(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    properties = dict(a["properties"])
    for name, schema in b["properties"].items():
        properties[name] = merge(properties[name], schema) if name in properties else schema
    return {
        "type": "object",
        "properties": properties,
        "required": sorted(set(a["required"]) & set(b["required"])),
    }
