"""Input: what the contract lets clients send (bounds, open objects, ids, URLs)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from apiward.audit.contract.contract import Contract
from apiward.audit.contract.names import URL_FORMATS, id_named, types, url_named
from apiward.audit.contract.rule import Hit, Rule, used_by
from apiward.audit.contract.rules.schemas import BOUNDED_INPUT, node_hit, request_nodes
from apiward.audit.contract.walk import Where
from apiward.core.findings import Severity
from apiward.spec import Operation, ParameterLocation
from apiward.spec.model import DEFS

API4 = "API4:2023"
_FIXED = ("enum", "const")


def _fixed(schema: Mapping[str, Any]) -> bool:
    return any(key in schema for key in _FIXED)


def unbounded_string(contract: Contract) -> Iterator[Hit]:
    """A request string (body or query) with no ``maxLength``, ``pattern``, ``format`` or enum.

    Not flagged: path, header and cookie parameters (server URL and header limits
    bound them), ``readOnly`` properties, binary strings (file uploads: bounded by
    the body size limit, not the schema), and any ``format`` (``date-time``,
    ``email``, ``uuid``... already constrain the value).
    """
    for node in request_nodes(contract, BOUNDED_INPUT):
        schema = node.schema
        if types(schema) != {"string"} or _fixed(schema):
            continue
        if not any(key in schema for key in ("maxLength", "pattern", "format")):
            yield node_hit(contract, node, "string with no maxLength, pattern or format")


def unbounded_number(contract: Contract) -> Iterator[Hit]:
    """A request integer or number (body or query) without a minimum or a maximum.

    Missing maxima let clients ask for huge pages or amounts; missing minima let
    them send negative ones. Not flagged: path, header and cookie parameters,
    ``readOnly`` properties, enums and constants.
    """
    for node in request_nodes(contract, BOUNDED_INPUT):
        schema = node.schema
        if not types(schema) or not types(schema) <= {"integer", "number"} or _fixed(schema):
            continue
        missing = [
            bound
            for bound in ("minimum", "maximum")
            if bound not in schema and f"exclusive{bound.capitalize()}" not in schema
        ]
        if missing:
            yield node_hit(
                contract, node, f"{'/'.join(types(schema))} with no {' or '.join(missing)}"
            )


def unbounded_array(contract: Contract) -> Iterator[Hit]:
    """A request array (body or query) with no ``maxItems``.

    Not flagged: ``readOnly`` arrays, arrays in path, header or cookie parameters.
    """
    for node in request_nodes(contract, BOUNDED_INPUT):
        if "array" in types(node.schema) and "maxItems" not in node.schema:
            yield node_hit(contract, node, "array with no maxItems")


def open_object(contract: Contract) -> Iterator[Hit]:
    """A request-body object with declared properties that accepts any others too.

    Extra properties are how mass assignment gets in (``isAdmin``, ``balance``).
    Not flagged: free-form objects with no ``properties`` (declared as open on
    purpose), typed maps (``additionalProperties: {schema}``), parts of
    ``allOf``/``anyOf``/``oneOf`` and schemas other schemas extend with ``allOf``
    (closing those breaks the composition), objects closed by
    ``unevaluatedProperties: false``, Swagger 2.0 ``formData`` parameters (2.0 has
    no way to close a form: the object is the loader's, not the author's).
    """
    extended = _extended_keys(contract)
    swagger = contract.api.spec_version == "2.0"
    for node in request_nodes(contract, frozenset({Where.BODY})):
        schema = node.schema
        if node.property_of_composition or not isinstance(schema.get("properties"), Mapping):
            continue
        if swagger and node.pointer.endswith("/parameters"):
            continue
        extra = schema.get("additionalProperties", True)
        if extra is not True or schema.get("unevaluatedProperties") is False:
            continue
        if any((o.document, o.pointer) == (node.document, node.pointer) for o in extended):
            continue
        yield node_hit(contract, node, "object accepts properties it does not declare")


def _extended_keys(contract: Contract) -> list[Any]:
    keys = {
        part["$ref"][len(DEFS) :]
        for node in contract.nodes
        for part in node.schema.get("allOf", ()) or ()
        if isinstance(part, Mapping) and isinstance(part.get("$ref"), str)
    }
    return [contract.source.schema_origins[k] for k in keys if k in contract.source.schema_origins]


def sequential_id(contract: Contract) -> Iterator[Hit]:
    """An integer path parameter named like an id (``id``, ``userId``, ``account_id``).

    Integer ids are usually sequential, so one valid id tells an attacker the
    others: every such operation needs object-level authorization. Not flagged:
    string ids (UUIDs, slugs), integers in the query or body.
    """
    users: dict[tuple[str, str], list[Operation]] = {}
    names: dict[tuple[str, str], str] = {}
    for op in contract.api.operations:
        for param in op.parameters:
            integer = types(contract.api.deref(param.schema)) == {"integer"}
            if param.location is ParameterLocation.PATH and id_named(param.name) and integer:
                place = (param.document or contract.source.name, param.pointer)
                users.setdefault(place, []).append(op)
                names[place] = param.name
    for (document, pointer), ops in users.items():
        inline = len(ops) == 1 and _written_with(contract, ops[0], document, pointer)
        keys = tuple(op.key for op in ops)
        yield Hit(
            pointer=pointer,
            document=document,
            detail=f"path id {names[document, pointer]!r} is an integer; {used_by(keys)}",
            key=names[document, pointer],
            operation=keys[0] if inline else None,
        )


def _written_with(contract: Contract, op: Operation, document: str, pointer: str) -> bool:
    """True when a parameter is written with its operation, not in a shared table.

    In the root document that is under ``/paths``; another document holding the
    operation is its path item's or its own file.
    """
    if document != (op.document or contract.source.name):
        return False
    return document != contract.source.name or pointer.startswith("/paths/")


def url_input(contract: Contract) -> Iterator[Hit]:
    """A request value that is a URL: ``format: uri``/``url`` or a name like ``avatar_url``, ``callback``, ``webhook``.

    If the server fetches it, it is a server-side request forgery surface. Not
    flagged: ``readOnly`` properties, values typed as something other than a
    string (a ``callback`` object, a boolean ``webhook`` switch).
    """
    every = frozenset(Where)
    for node in request_nodes(contract, every):
        schema = contract.api.deref(node.schema)
        if types(schema) - {"string"} or (node.schema.get("$ref") and not node.name):
            continue
        if schema.get("format") in URL_FORMATS or (node.name and url_named(node.name)):
            yield node_hit(contract, node, f"URL-valued input ({node.where.value})")


RULES = (
    Rule(
        id="contract.input.unbounded-string",
        title="String input without bounds",
        severity=Severity.LOW,
        owasp=API4,
        cwe="CWE-1284",
        remediation="Give every string input a maxLength, and a pattern, format or enum where the value has a shape.",
        check=unbounded_string,
    ),
    Rule(
        id="contract.input.unbounded-number",
        title="Numeric input without bounds",
        severity=Severity.LOW,
        owasp=API4,
        cwe="CWE-1284",
        remediation="Give every numeric input a minimum and a maximum (page sizes, amounts, counts).",
        check=unbounded_number,
    ),
    Rule(
        id="contract.input.unbounded-array",
        title="Array input without maxItems",
        severity=Severity.LOW,
        owasp=API4,
        cwe="CWE-770",
        remediation="Give every array input a maxItems.",
        check=unbounded_array,
    ),
    Rule(
        id="contract.input.open-object",
        title="Request body object open to undeclared properties",
        severity=Severity.LOW,
        owasp="API3:2023",
        cwe="CWE-915",
        remediation="Set `additionalProperties: false` (or `unevaluatedProperties: false` with allOf) on request objects.",
        check=open_object,
    ),
    Rule(
        id="contract.input.sequential-id",
        title="Sequential-looking integer id in the path",
        severity=Severity.LOW,
        owasp="API1:2023",
        cwe="CWE-639",
        remediation="Check object ownership on every operation taking the id, and prefer random ids (UUIDs).",
        check=sequential_id,
    ),
    Rule(
        id="contract.input.url-input",
        title="URL-valued input (server-side request forgery surface)",
        severity=Severity.MEDIUM,
        owasp="API7:2023",
        cwe="CWE-918",
        remediation="If the server fetches the URL, allow only https:// to listed hosts and refuse private, loopback and link-local addresses at connect time.",
        check=url_input,
    ),
)
