"""One schema dialect for every consumer: JSON Schema 2020-12.

Swagger 2.0 and OpenAPI 3.0 schemas are a JSON Schema draft-4 dialect with
extras; OpenAPI 3.1 schemas are 2020-12. :func:`normalise` rewrites one schema
object (not its children: the walk in :mod:`apiward.spec.schemas` does that) so
validators and rules see a single shape:

* ``nullable: true`` (3.0) and ``x-nullable: true`` (2.0) add ``"null"`` to
  ``type``, or become ``anyOf: [..., {"type": "null"}]`` when there is no type;
* boolean ``exclusiveMinimum`` / ``exclusiveMaximum`` take the numeric form;
* Swagger's ``type: file`` becomes ``{type: string, format: binary}``;
* an array-form ``items`` (draft 4 tuples, not valid in 2020-12) becomes ``prefixItems``.

Annotations (``readOnly``, ``writeOnly``, ``example``, ``format``,
``discriminator``...) are kept. ``nullable`` in a 3.1 document is not a keyword
there, so it is left alone as an annotation.
"""

from __future__ import annotations

from typing import Any

# Where subschemas live; everything else in a schema is data and copied as is.
ONE = frozenset(
    {
        "items",
        "additionalProperties",
        "not",
        "if",
        "then",
        "else",
        "contains",
        "propertyNames",
        "unevaluatedItems",
        "unevaluatedProperties",
        "additionalItems",
        "contentSchema",
    }
)
MANY = frozenset({"allOf", "anyOf", "oneOf", "prefixItems"})
NAMED = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})

_NULL = {"type": "null"}


def normalise(schema: dict[str, Any], *, legacy: bool) -> dict[str, Any]:
    """Rewrite one schema object into 2020-12; ``legacy`` is True for 2.0 and 3.0 sources."""
    if schema.get("type") == "file":
        schema = {**schema, "type": "string", "format": "binary"}
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(schema.get(bound), bool):
            schema = _numeric_exclusive(schema, bound, limit)
    if isinstance(schema.get("items"), list):
        schema = {**schema, "prefixItems": schema["items"]}
        del schema["items"]
    if legacy and ("nullable" in schema or "x-nullable" in schema):
        schema = _nullable(schema)
    return schema


def _numeric_exclusive(schema: dict[str, Any], bound: str, limit: str) -> dict[str, Any]:
    schema = dict(schema)
    exclusive = schema.pop(bound)
    if exclusive and limit in schema:
        schema[bound] = schema.pop(limit)
    return schema


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    schema = dict(schema)
    nullable = bool(schema.pop("nullable", False)) | bool(schema.pop("x-nullable", False))
    if not nullable:
        return schema
    kind = schema.get("type")
    if isinstance(kind, str):
        schema["type"] = [kind, "null"]
    elif isinstance(kind, list):
        schema["type"] = kind if "null" in kind else [*kind, "null"]
    else:
        schema = {"anyOf": [schema, dict(_NULL)]}
    if isinstance(schema.get("enum"), list) and None not in schema["enum"]:
        # An enum lists every allowed value; null must be one of them to be allowed.
        schema["enum"] = [*schema["enum"], None]
    return schema
