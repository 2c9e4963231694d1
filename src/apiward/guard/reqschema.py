"""Request-side schemas: the contract's schemas closed against mass assignment, and coercion.

``closed()`` returns a copy of a bundled schema in which every object schema that
declares ``properties`` but says nothing about extra ones gets
``unevaluatedProperties: false`` (no mass assignment, OWASP API3). ``unevaluated`` rather than
``additional`` so that ``allOf`` compositions still see each other's properties; the
members of an ``allOf`` are left open and their parent is closed instead.
``readOnly`` properties become ``false`` schemas: a client may not send them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from apiward.spec import Api, Schema

_INTEGER = re.compile(r"^-?[0-9]+$")
_NUMBER = re.compile(r"^-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$")
Coerce = Callable[[str], Any]


def closed(schema: Mapping[str, Any], *, close: bool, read_only: bool) -> dict[str, Any]:
    """A copy of ``schema`` with unknown (and read-only) properties refused."""
    defs = schema.get("$defs", {})
    open_defs = _allof_ref_targets(schema)
    result: dict[str, Any] = _walk(schema, close=close, read_only=read_only, keep_open=False)
    if defs:
        result["$defs"] = {
            key: _walk(value, close=close, read_only=read_only, keep_open=key in open_defs)
            for key, value in defs.items()
        }
    return result


def _walk(node: Any, *, close: bool, read_only: bool, keep_open: bool) -> Any:
    if isinstance(node, Mapping):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$defs":
                continue
            if key == "allOf" and isinstance(value, list | tuple):
                out[key] = [
                    _walk(v, close=close, read_only=read_only, keep_open=True) for v in value
                ]
            elif key == "properties" and isinstance(value, Mapping):
                out[key] = {
                    name: False
                    if read_only and _is_read_only(sub)
                    else _walk(sub, close=close, read_only=read_only, keep_open=False)
                    for name, sub in value.items()
                }
            else:
                out[key] = _walk(value, close=close, read_only=read_only, keep_open=False)
        if close and not keep_open and _is_open_object(node):
            out["unevaluatedProperties"] = False
        return out
    if isinstance(node, list | tuple):
        return [_walk(v, close=close, read_only=read_only, keep_open=False) for v in node]
    return node


def _is_open_object(node: Mapping[str, Any]) -> bool:
    declares = "properties" in node or "allOf" in node
    silent = "additionalProperties" not in node and "unevaluatedProperties" not in node
    return declares and silent


def _is_read_only(schema: Any) -> bool:
    return isinstance(schema, Mapping) and schema.get("readOnly") is True


def _allof_ref_targets(schema: Mapping[str, Any]) -> set[str]:
    found: set[str] = set()
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            for member in (
                node.get("allOf", ()) if isinstance(node.get("allOf"), list | tuple) else ()
            ):
                ref = member.get("$ref") if isinstance(member, Mapping) else None
                if isinstance(ref, str) and ref.startswith("#/$defs/"):
                    found.add(ref[len("#/$defs/") :])
            stack.extend(node.values())
        elif isinstance(node, list | tuple):
            stack.extend(node)
    return found


def coercer(api: Api, schema: Schema) -> Coerce:
    """How a parameter's text becomes the JSON value its schema expects."""
    kind = _scalar_type(api, schema)
    if kind == "integer":
        return lambda text: int(text) if _INTEGER.match(text) else text
    if kind == "number":
        return lambda text: float(text) if _NUMBER.match(text) else text
    if kind == "boolean":
        return lambda text: {"true": True, "false": False}.get(text, text)
    return str


def is_array(api: Api, schema: Schema) -> bool:
    """Whether a parameter's schema is an array (so it may repeat in a query)."""
    return _scalar_type(api, schema) == "array"


def item_schema(api: Api, schema: Schema) -> Schema:
    """The items schema of an array parameter."""
    items = api.deref(schema).get("items", {})
    return items if isinstance(items, Mapping) else {}


def _scalar_type(api: Api, schema: Schema) -> str | None:
    concrete = api.deref(schema)
    kind = concrete.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    if kind is None:
        for branch in concrete.get("anyOf", ()) or concrete.get("oneOf", ()):
            found = _scalar_type(api, branch) if isinstance(branch, Mapping) else None
            if found not in {None, "null"}:
                return found
    return kind if isinstance(kind, str) else None
