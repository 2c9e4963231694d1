"""Stage: requests checked against the contract's schemas, compiled once per operation.

jsonschema-rs (about 2 µs per body as measured; the jsonschema package took 640 µs)
with a linear-time regex engine (ReDoS-safe ``pattern``s) and a retriever that
refuses every remote ``$ref``.
Parameters are validated as one instance ``{"path": …, "query": …, "header": …,
"cookie": …}`` (the locations the operation declares parameters in) after coercion
by their declared type; the body only for the exact media types the contract lists (415
otherwise: no JSON parsed from ``text/plain``, FastAPI CVE-2021-32677). Problem
documents name the failing field, never its value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

import jsonschema_rs

from apiward.core.errors import ConfigError
from apiward.guard.context import UNREAD, Context
from apiward.guard.jsonbody import (
    check_strings,
    check_text,
    parse_form,
    parse_json,
    plain_text,
    plainly_safe,
)
from apiward.guard.policy import ValidatePolicy
from apiward.guard.problem import Refusal, Rule
from apiward.guard.reqschema import Coerce, closed, coercer, is_array, item_schema
from apiward.guard.routes import Route
from apiward.guard.stage import Setup
from apiward.guard.strcap import cap_strings
from apiward.guard.vocabulary import Decision, Strings
from apiward.spec import Api, Operation, ParameterLocation

_SAFE_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
_UNEXPECTED = re.compile(r"\('([^']*)' (?:was|were) unexpected")
FORM = "application/x-www-form-urlencoded"


def _refuse_remote(uri: str) -> Any:
    raise ValueError(f"remote $ref {uri!r} is not fetched by the guard")


def compile_schema(
    schema: Mapping[str, Any], *, formats: bool = False
) -> jsonschema_rs.Draft202012Validator:
    """A validator for one bundled schema: linear regexes, no remote refs, values masked;
    ``formats``: ``format`` is checked, not only an annotation as 2020-12 has it."""
    return jsonschema_rs.Draft202012Validator(
        dict(schema),
        mask="(value)",
        pattern_options=jsonschema_rs.RegexOptions(),
        retriever=_refuse_remote,
        validate_formats=formats,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class OperationCheck:
    """Everything validation needs for one operation, built at start-up."""

    params: jsonschema_rs.Draft202012Validator | None
    coerce: Mapping[tuple[str, str], Coerce]
    arrays: frozenset[str]
    known_query: frozenset[str]
    headers: tuple[str, ...]
    cookies: tuple[str, ...]
    bodies: Mapping[str, jsonschema_rs.Draft202012Validator]
    body_required: bool
    takes_body: bool


def build(setup: Setup) -> Validate | None:
    """The validation stage, or None when the policy switches it off."""
    policy = setup.policy.validate
    if not policy.enabled:
        return None
    checks = {r.key: _compile(setup.api, r.operation, policy) for r in setup.routes.routes}
    return Validate(policy, checks)


def _compile(api: Api, op: Operation, policy: ValidatePolicy) -> OperationCheck:
    try:
        return _compile_operation(api, op, policy)
    except (ValueError, jsonschema_rs.ValidationError) as error:
        raise ConfigError(
            f"cannot compile a schema of {op.key}: {error}", pointer=op.pointer
        ) from None


def _compile_operation(api: Api, op: Operation, policy: ValidatePolicy) -> OperationCheck:
    groups: dict[str, dict[str, Any]] = {
        loc.value: {"type": "object", "properties": {}, "required": []} for loc in ParameterLocation
    }
    coerce: dict[tuple[str, str], Coerce] = {}
    arrays: set[str] = set()
    for p in op.parameters:
        name = p.name.lower() if p.location is ParameterLocation.HEADER else p.name
        groups[p.location.value]["properties"][name] = dict(p.schema)
        if p.required:
            groups[p.location.value]["required"].append(name)
        if p.location is ParameterLocation.QUERY and is_array(api, p.schema):
            arrays.add(name)
            coerce[(p.location.value, name)] = coercer(api, item_schema(api, p.schema))
        else:
            coerce[(p.location.value, name)] = coercer(api, p.schema)
    cap = policy.max_string_length
    formats = policy.formats is Decision.REFUSE
    params = (
        compile_schema(
            _capped(api.bundle({"type": "object", "properties": groups}), cap), formats=formats
        )
        if op.parameters
        else None
    )
    close = policy.unknown_properties is Decision.REFUSE
    read_only = policy.read_only is Decision.REFUSE
    bodies = {
        media.lower(): compile_schema(
            _capped(closed(api.bundle(schema), close=close, read_only=read_only), cap),
            formats=formats,
        )
        for media, schema in (op.request_body.content.items() if op.request_body else ())
    }
    return OperationCheck(
        params=params,
        coerce=coerce,
        arrays=frozenset(arrays),
        known_query=frozenset(groups["query"]["properties"]),
        headers=tuple(groups["header"]["properties"]),
        cookies=tuple(groups["cookie"]["properties"]),
        bodies=bodies,
        body_required=bool(op.request_body and op.request_body.required),
        takes_body=op.request_body is not None,
    )


class Validate:
    """Parameters and body against the operation's compiled schemas."""

    def __init__(self, policy: ValidatePolicy, checks: Mapping[str, OperationCheck]) -> None:
        self.policy = policy
        self.checks = checks
        self.strings = policy.strings is Strings.REFUSE_UNSAFE
        self.unknown_query = policy.unknown_query is Decision.REFUSE

    async def aclose(self) -> None:
        """Nothing to release: the stage holds no connections."""

    def needed(self, route: Route | None) -> bool:
        """Only contract operations: a path outside the contract has nothing to match."""
        return route is not None

    async def check(self, ctx: Context) -> None:
        """Refuse the request unless its parameters and body match the contract."""
        route = ctx.route
        if route is None:
            return
        check = self.checks[route.key]
        if check.params is not None or ctx.scope.get("query_string"):
            self._check_params(ctx, check)
        await self._check_body(ctx, check)

    def _check_params(self, ctx: Context, check: OperationCheck) -> None:
        # Only the locations the operation declares parameters in: the schema of any
        # other is an empty object, which every value satisfies (an unknown query name
        # is refused by _query itself), so leaving it out saves its work.
        params = ctx.match.params if ctx.match else None
        instance: dict[str, Any] = {}
        if params:
            instance["path"] = self._coerced(check, "path", params.items())
        if ctx.scope.get("query_string"):
            instance["query"] = self._query(ctx, check)
        elif check.known_query:
            instance["query"] = {}  # its required parameters are missing
        if check.headers:
            instance["header"] = self._coerced(check, "header", _headers(ctx, check.headers))
        if check.cookies:
            instance["cookie"] = self._coerced(check, "cookie", _cookies(ctx, check.cookies))
        if check.params is not None:
            _validate(check.params, instance, "")

    def _coerced(self, check: OperationCheck, where: str, items: Any) -> dict[str, Any]:
        coerced: dict[str, Any] = {}
        if not items:
            return coerced
        for name, value in items:
            if self.strings and not plain_text(value):
                check_text(value, f"{where}/{name}")
            coerced[name] = check.coerce.get((where, name), str)(value)
        return coerced

    def _query(self, ctx: Context, check: OperationCheck) -> dict[str, Any]:
        query: dict[str, Any] = {}
        raw: bytes = ctx.scope.get("query_string", b"")
        if not raw:
            return query
        for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
            if self.unknown_query and name not in check.known_query:
                field = f"query/{name}" if _SAFE_NAME.match(name) else "query"
                raise Refusal(
                    Rule.UNKNOWN_PARAMETER,
                    "the contract does not declare this query parameter",
                    field=field,
                )
            if self.strings and not plain_text(value):
                check_text(value, f"query/{name}")
            coerced = check.coerce.get(("query", name), str)(value)
            if name in check.arrays:
                query.setdefault(name, []).append(coerced)
            else:
                query[name] = coerced
        return query

    async def _check_body(self, ctx: Context, check: OperationCheck) -> None:
        content_type = ctx.header(b"content-type")
        body = (
            await ctx.body()
            if content_type is not None
            or ctx.header(b"content-length") not in {None, b"0"}
            or ctx.header(b"transfer-encoding")
            else b""
        )
        if not body:
            if check.body_required:
                raise Refusal(Rule.INVALID, "this operation needs a request body", field="body")
            return
        if not check.takes_body:
            raise Refusal(Rule.MEDIA_TYPE, "this operation takes no request body")
        media = (content_type or b"").split(b";", 1)[0].strip().lower().decode("latin-1")
        validator = check.bodies.get(media) or _wildcard(check.bodies, media)
        if validator is None:
            raise Refusal(Rule.MEDIA_TYPE, f"send one of: {', '.join(sorted(check.bodies))}")
        # Parsed once per request: authorization may have needed it already (authz/ownership.py).
        document = ctx.document if ctx.document is not UNREAD else _parse(media, body)
        if document is _UNPARSED:
            return
        if self.strings and not (media != FORM and plainly_safe(body)):
            check_strings(document)  # a form's percent escapes can hide anything
        ctx.document = document
        _validate(validator, document, "body")


_UNPARSED = object()


def _capped(schema: dict[str, Any], cap: int | None) -> dict[str, Any]:
    return schema if cap is None else cap_strings(schema, cap)


def _parse(media: str, body: bytes) -> Any:
    if media == "application/json" or media.endswith("+json"):
        return parse_json(body)
    if media == FORM:
        return parse_form(body)
    return _UNPARSED  # other media types are checked by type only, never parsed here


def _wildcard(
    bodies: Mapping[str, jsonschema_rs.Draft202012Validator], media: str
) -> jsonschema_rs.Draft202012Validator | None:
    major = media.split("/", 1)[0]
    return bodies.get(f"{major}/*") or bodies.get("*/*")


def _validate(validator: jsonschema_rs.Draft202012Validator, instance: Any, prefix: str) -> None:
    if validator.is_valid(instance):
        return
    error = next(iter(validator.iter_errors(instance)))
    pointer = "/".join(str(part) for part in error.instance_path)
    field = f"{prefix}/{pointer}" if prefix and pointer else (prefix or pointer)
    kind = error.kind.name
    unexpected = _UNEXPECTED.search(error.message)
    if unexpected and _SAFE_NAME.match(unexpected.group(1)):
        field = f"{field}/{unexpected.group(1)}" if field else unexpected.group(1)
        raise Refusal(
            Rule.INVALID, "a property the contract does not declare for requests", field=field
        )
    raise Refusal(Rule.INVALID, f"fails the contract's '{kind}' constraint", field=field or "/")


def _headers(ctx: Context, names: tuple[str, ...]) -> list[tuple[str, str]]:
    if not names:
        return []
    wanted = {n.encode() for n in names}
    return [(k.decode(), v.decode("latin-1")) for k, v in ctx.scope["headers"] if k in wanted]


def _cookies(ctx: Context, names: tuple[str, ...]) -> list[tuple[str, str]]:
    raw = ctx.header(b"cookie") if names else None
    if raw is None:
        return []
    pairs = (part.strip().partition("=") for part in raw.decode("latin-1").split(";"))
    return [(name, value) for name, _, value in pairs if name in names]
