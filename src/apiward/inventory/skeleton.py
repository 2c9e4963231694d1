"""An OpenAPI 3.1 skeleton of what the traffic showed, for a user to start documenting from.

Every live endpoint is written (documented ones too: the skeleton describes what is
deployed), with its path parameters declared, the query parameter names seen, the
status codes observed as responses, and JSON schemas inferred from bodies when the
source had any. Repeated inferred names get a number (``/users/{id}/orders/{id2}``),
since a path template may not name two parameters alike.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import orjson

from apiward.inventory.cluster import Usage
from apiward.inventory.diff import State
from apiward.inventory.inventory import Inventory
from apiward.inventory.observation import Observation
from apiward.inventory.shapes import infer, merge
from apiward.inventory.templates import segments

_PARAM = re.compile(r"^\{([^{}/]+)\}$")
_FORMATS = {"uuid": "uuid", "date": "date", "email": "email"}


def skeleton(inventory: Inventory, *, title: str = "Discovered API") -> dict[str, Any]:
    """The OpenAPI 3.1 document, as a plain dict ready to dump as JSON or YAML."""
    paths: dict[str, Any] = {}
    for endpoint in inventory.endpoints:
        live = [u for u in endpoint.usages if inventory.states.get(u.key) is not State.UNROUTED]
        if live:
            template, names = _unique_names(endpoint.path)
            paths[template] = {
                u.method.lower(): _operation(u, names, inventory.states.get(u.key)) for u in live
            }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": "0.0.0",
            "description": "Written by `apiward inventory` from observed traffic: fill in the rest.",
        },
        "paths": paths,
    }


def _unique_names(path: str) -> tuple[str, list[tuple[int, str, str]]]:
    """The template with unique parameter names, and (position, name, kind) for each."""
    seen: dict[str, int] = {}
    parts, names = [], []
    for index, part in enumerate(segments(path)):
        match = _PARAM.match(part)
        if match is None:
            parts.append(part)
            continue
        kind = match[1]
        seen[kind] = seen.get(kind, 0) + 1
        name = kind if seen[kind] == 1 else f"{kind}{seen[kind]}"
        parts.append(f"{{{name}}}")
        names.append((index, name, kind))
    return "/" + "/".join(parts), names


def _operation(usage: Usage, names: list[tuple[int, str, str]], state: State | None) -> Any:
    operation: dict[str, Any] = {
        "operationId": _operation_id(usage),
        "summary": f"Seen {usage.calls} time(s) in traffic",
        "parameters": [*_path_parameters(usage, names), *_query_parameters(usage)],
        "responses": _responses(usage),
    }
    body = _schema(o.request_body for o in usage.with_bodies)
    if body is not None:
        media = next((o.request_content_type for o in usage.with_bodies if o.request_body), None)
        operation["requestBody"] = {"content": {media or "application/json": {"schema": body}}}
    if state is not None:
        operation["x-apiward-state"] = str(state)
    if not operation["parameters"]:
        del operation["parameters"]
    return operation


def _operation_id(usage: Usage) -> str:
    words = re.sub(r"[^A-Za-z0-9]+", "_", usage.path).strip("_")
    return f"{usage.method.lower()}_{words}" if words else usage.method.lower()


def _path_parameters(usage: Usage, names: list[tuple[int, str, str]]) -> Iterator[Any]:
    raw = segments(usage.sample.path)
    for index, name, kind in names:
        value = raw[index] if index < len(raw) else ""
        yield {"name": name, "in": "path", "required": True, "schema": _path_schema(kind, value)}


def _path_schema(kind: str, value: str) -> dict[str, Any]:
    if kind == "id" or value.isdigit():
        return {"type": "integer"}
    if kind in _FORMATS:
        return {"type": "string", "format": _FORMATS[kind]}
    return {"type": "string"}


def _query_parameters(usage: Usage) -> Iterator[Any]:
    for name in usage.query:
        yield {"name": name, "in": "query", "schema": {"type": "string"}}


def _responses(usage: Usage) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    for status, count in usage.statuses.items():
        answered = [o for o in usage.with_bodies if o.status == status]
        response: dict[str, Any] = {"description": f"Observed {count} time(s)."}
        schema = _schema(o.response_body for o in answered if _json(o))
        if schema is not None:
            response["content"] = {"application/json": {"schema": schema}}
        responses[str(status)] = response
    return responses or {"default": {"description": "No status was recorded."}}


def _json(observation: Observation) -> bool:
    return "json" in (observation.response_content_type or "")


def _schema(bodies: Iterable[str | None]) -> dict[str, Any] | None:
    schema: dict[str, Any] | None = None
    for body in bodies:
        if not body:
            continue
        try:
            shape = infer(orjson.loads(body))
        except orjson.JSONDecodeError:
            continue
        schema = shape if schema is None else merge(schema, shape)
    return schema
