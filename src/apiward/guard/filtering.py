"""Response filters compiled from the contract: drop what the schema does not declare (API3).

``compile_filter(api, schema)`` returns a function that keeps only declared
properties of every object, following ``$ref``, ``items``, ``allOf`` and the object
branches of ``anyOf``/``oneOf``. An object whose schema allows extra properties
(``additionalProperties: true`` or a schema) is kept whole. Built once per
(operation, status) at start-up; recursive schemas are tied through a memo.
A filter returns the very value it was given when nothing in it is undeclared, so
that the caller learns "unchanged" from ``is`` instead of comparing documents.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from typing import Any

from apiward.spec import Api
from apiward.spec.model import DEFS

Filter = Callable[[Any], Any]


def _identity(value: Any) -> Any:
    return value


def compile_filter(api: Api, schema: Mapping[str, Any]) -> Filter:
    """The filter for values of ``schema``."""
    return _Compiler(api).compile(schema)


class _Compiler:
    def __init__(self, api: Api) -> None:
        self.api = api
        self.memo: dict[str, Filter] = {}

    def compile(self, schema: Any) -> Filter:
        if not isinstance(schema, Mapping):
            return _identity
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(DEFS):
            return self._ref(ref[len(DEFS) :])
        properties, open_ = self._properties(schema)
        if properties is not None and not open_:
            return self._object({name: self.compile(sub) for name, sub in properties.items()})
        if isinstance(schema.get("items"), Mapping):
            return self._array(self.compile(schema["items"]))
        return _identity

    def _ref(self, key: str) -> Filter:
        if key not in self.memo:
            cell: list[Filter] = [_identity]
            self.memo[key] = lambda value: cell[0](value)
            cell[0] = self.compile(self.api.schemas.get(key, {}))
        return self.memo[key]

    def _properties(self, schema: Mapping[str, Any]) -> tuple[dict[str, Any] | None, bool]:
        """Declared properties of ``schema`` and its compositions, and whether extras are allowed."""
        found: dict[str, Any] | None = None
        open_ = schema.get("additionalProperties", False) not in (False, None) or bool(
            schema.get("unevaluatedProperties", False)
        )
        if isinstance(schema.get("properties"), Mapping):
            found = dict(schema["properties"])
        for key in ("allOf", "anyOf", "oneOf"):
            for branch in schema.get(key) or ():
                concrete = self.api.deref(branch) if isinstance(branch, Mapping) else {}
                props, branch_open = self._properties(concrete)
                if props is not None:
                    found = {**(found or {}), **props}
                    open_ = open_ or branch_open
        return found, open_

    @staticmethod
    def _object(fields: dict[str, Filter]) -> Filter:
        declared = fields.keys()
        nested = tuple((name, sub) for name, sub in fields.items() if sub is not _identity)

        def keep(value: Any) -> Any:
            if not isinstance(value, dict):
                return value
            if not value.keys() <= declared:
                return {k: fields[k](v) for k, v in value.items() if k in fields}
            changed: dict[str, Any] | None = None
            for name, sub in nested:
                if name in value:
                    inner = value[name]
                    kept = sub(inner)
                    if kept is not inner:
                        changed = changed if changed is not None else dict(value)
                        changed[name] = kept
            return value if changed is None else changed

        return keep

    @staticmethod
    def _array(inner: Filter) -> Filter:
        if inner is _identity:
            return _identity

        def each(value: Any) -> Any:
            if not isinstance(value, list):
                return value
            kept = [inner(v) for v in value]
            return value if all(map(operator.is_, kept, value)) else kept

        return each
