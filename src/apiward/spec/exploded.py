"""Query objects sent exploded: each property is a query parameter of its own.

OpenAPI 3's default for a query parameter is ``style: form, explode: true``: an object
goes as one ``name=value`` pair per property (``?channelId=1&$limit=10``), never under the
parameter's own name; ``style: deepObject`` sends ``filter[channelId]=1``. Generated
contracts declare a service's filters so (feathers-swagger's ``filter``, NestJS query
DTOs), and a client that sends ``?filter=…`` is talking to no API at all. So the loader
gives each such parameter's properties as the query parameters they are: optional unless
the object requires them and the parameter is required, never replacing one the operation
declares itself. A parameter given by ``content`` (LoopBack's JSON ``filter``) is one value,
serialised whole, and stays as it is.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from apiward.spec.model import Api, Operation, Parameter, ParameterLocation, Schema, json_types


def exploded(api: Api) -> Api:
    """``api`` with every exploded query object given as its properties."""
    operations = tuple(
        dataclasses.replace(op, parameters=_parameters(api, op))
        if any(_properties(api, p) for p in op.parameters)
        else op
        for op in api.operations
    )
    return dataclasses.replace(api, operations=operations)


def _properties(api: Api, parameter: Parameter) -> Mapping[str, Any]:
    """The properties an exploded query object sends as parameters (``{}``: not one)."""
    style = parameter.style or "form"
    if parameter.location is not ParameterLocation.QUERY or parameter.media:
        return {}
    if style not in {"form", "deepObject"} or (style == "form" and parameter.explode is False):
        return {}
    schema = api.deref(parameter.schema)
    found: dict[str, Any] = {}
    for part in (
        schema,
        *(api.deref(s) for s in schema.get("allOf", ()) if isinstance(s, Mapping)),
    ):
        properties = part.get("properties")
        if isinstance(properties, Mapping) and "object" in (json_types(part) or {"object"}):
            found.update({k: v for k, v in properties.items() if isinstance(v, Mapping)})
    return found


def _parameters(api: Api, op: Operation) -> tuple[Parameter, ...]:
    declared = {p.name for p in op.parameters if not _properties(api, p)}
    out: list[Parameter] = []
    for parameter in op.parameters:
        properties = _properties(api, parameter)
        if not properties:
            out.append(parameter)
            continue
        schema = api.deref(parameter.schema)
        required = set(schema.get("required", ())) if parameter.required else set()
        for name, prop in properties.items():
            sent = f"{parameter.name}[{name}]" if parameter.style == "deepObject" else name
            if sent in declared:
                continue
            declared.add(sent)
            out.append(_property(parameter, sent, prop, name in required))
    return tuple(out)


def _property(parameter: Parameter, name: str, schema: Schema, required: bool) -> Parameter:
    description = schema.get("description")
    return Parameter(
        name=name,
        location=ParameterLocation.QUERY,
        required=required,
        schema=schema,
        description=description if isinstance(description, str) else parameter.description,
        pointer=parameter.pointer,
        document=parameter.document,
    )
