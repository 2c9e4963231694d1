"""``excessive_data`` (API3, read side): answers that carry more than the contract declares.

Almost no new traffic: a legitimate reply per role for a read, one for a write
(``ctx.legit``, shared with the other checks) is compared with the contract's response
schema for its status (a key found in one may be tried on a me-like read). What counts:

* **undeclared properties** — a key the schema does not declare, found by walking the
  body with the schema (``$ref`` followed with ``api.deref``; ``allOf``/``oneOf``/
  ``anyOf`` merged, a property declared in any branch counts as declared;
  ``additionalProperties`` with a schema walks the extra values with it). Where the
  contract allows anything (no schema, ``additionalProperties: true``, an object without
  properties) nothing is undeclared and only secrets count.
* **secrets**, whatever the contract says (:mod:`.secrets`): password hashes, full card
  numbers, card security codes, SSNs (but the caller's own, on its own record read through
  ``/me``: the aiohttp trial's patient reading its own SSN had been high); tokens and keys
  only where undeclared;
* **a value shown whole beside its own mask** (:mod:`._masks`): ``iban`` next to
  ``iban_last4`` (medium), declared or not: the mask is the contract's word on it;
* **another user's credential** handed to the caller, declared or not (:mod:`._handed`):
  one the scan holds for another identity, or a key-like value that authenticates as
  someone else on a read of one's own account (critical, confirmed); one in another
  user's item of a list, or the same ones listed to two identities (high, firm). A
  caller's own key shown to itself is no finding (undeclared, one more undeclared property).

One finding per operation × property path (``key``, list items written ``[]``), never
naming the value; another user's credential wins over the other kinds at its path.
Severity: high for a secret, medium for an undeclared field named like personal or
staff-only data, low for any other undeclared field.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Collection, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason
from apiward.scan.checks._handed import (
    Handed,
    handed,
    loose_values,
    own_credentials,
    shared,
    shown_alike,
)
from apiward.scan.checks._masks import unmasked
from apiward.scan.checks._secrets import (
    CREDENTIAL_KINDS,
    NATIONAL_ID,
    contract_values,
    is_personal,
    secret_kind,
)
from apiward.scan.checks._subjects import callers_note, of_a_place
from apiward.scan.context import Context
from apiward.scan.diff import meaningful
from apiward.scan.request import READS
from apiward.scan.resources import on_caller
from apiward.scan.transport import Reply
from apiward.spec import Api, Operation, Schema

_JSON = ("application/json", "+json")
_COMPOSED = ("allOf", "oneOf", "anyOf")


@dataclass(frozen=True, slots=True, kw_only=True)
class Shape:
    """What an object or array schema allows, with its composition merged."""

    properties: Mapping[str, Schema]
    open: bool
    extra: Schema | None = None
    items: Schema | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Exposed:
    """One property path an answer should not have carried."""

    path: str
    what: str
    severity: Severity
    secret: bool
    reply: Reply
    identity: str


class ExcessiveData:
    """Answers carrying undeclared properties or secrets."""

    id = "excessive_data"
    title = "Answer exposes data the contract does not declare"
    owasp = "API3:2023"
    cwe = "CWE-213"
    safe = True
    remediation = (
        "Serialise answers through an explicit response model that lists exactly the "
        "declared properties (never the database row or ORM object); never return "
        "password hashes, full card numbers or secrets, and mask what must be shown."
    )

    async def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
        """Compare every legitimate reply to ``operation`` with its response schema."""
        replies = await _replies(ctx, operation)
        if not replies:
            yield Skip(reason=SkipReason.NO_ACCESS if ctx.identities else SkipReason.NO_IDENTITIES)
            return
        found: dict[str, Exposed] = {}
        takeovers: dict[str, tuple[str, Handed]] = {}
        seen: dict[str, dict[str, frozenset[str]]] = {}  # path → caller → loose credentials
        for name, reply in replies:
            for path, values in loose_values(ctx, reply).items():
                seen.setdefault(path, {})[name] = values
            for item in exposed(ctx.api, operation, reply, name, own=own_credentials(ctx, name)):
                if item.path not in found or item.severity > found[item.path].severity:
                    found[item.path] = item
            for caller in (i for i in ctx.identities if i.name == name):
                for one in await handed(ctx, reply, caller):
                    if one.path not in takeovers or one.severity > takeovers[one.path][1].severity:
                        takeovers[one.path] = (name, one)
        for path, (name, taken) in list(takeovers.items()):
            alike = shown_alike(ctx, seen.get(path, {}))
            if not taken.known and len(alike) > 1:
                takeovers[path] = (name, shared(taken, alike))
        for item in sorted(found.values(), key=lambda e: e.path):
            if item.path not in takeovers:
                yield self._finding(ctx, operation, item)
        for path in sorted(takeovers):
            yield self._takeover(ctx, operation, *takeovers[path])

    def _finding(self, ctx: Context, operation: Operation, item: Exposed) -> Outcome:
        return ctx.finding(
            self,
            operation,
            title=f"{operation.key} exposes {item.path} ({item.what})",
            severity=item.severity,
            confidence=Confidence.CONFIRMED if item.secret else Confidence.FIRM,
            detail=(
                f"The {item.reply.status} answer to {item.identity}'s legitimate request "
                f"carries {item.path}: {item.what}."
            ),
            evidence=[item.reply],
            key=item.path,
        )

    def _takeover(self, ctx: Context, operation: Operation, name: str, item: Handed) -> Outcome:
        reply = item.evidence[0]
        title = f"{operation.key} hands {name} another user's credential in {item.path}"
        effect = "Whoever gets it can act in that user's name (account takeover)"
        if not item.known:
            title = f"{operation.key} lists credentials in {item.path}"
            effect = "If they are other users' too, whoever reads the list can act as them"
        return ctx.finding(
            self,
            operation,
            title=title,
            severity=item.severity,
            confidence=item.confidence,
            detail=(
                f"The {reply.status} answer to {name}'s legitimate request carries "
                f"{item.path}: {item.what}. {effect}, whatever the contract declares."
            ),
            evidence=list(item.evidence),
            proof=reply,
            key=item.path,
            cwe="CWE-522",
            remediation=(
                "Never serialise another user's API key, token, session or password: show "
                "a key once, to its owner, when it is made, and afterwards only a prefix or "
                "its id; keep only a hash of it on the server."
            ),
        )


async def _replies(ctx: Context, operation: Operation) -> list[tuple[str, Reply]]:
    """Legitimate replies with data: one per role for a read, one for a write (anonymous
    for a public GET when there is no identity).

    What a read carries depends on the caller's role, not on which peer asks: a second
    customer's answer has the same fields with other values. A write answers with what it
    made or changed, and another identity's is one more write. The next identity is asked
    only while no answer (of its role, for a read) held data.
    """
    if ctx.identities:
        replies: list[tuple[str, Reply]] = []
        served: set[str] = set()
        for identity in ctx.identities:
            role = (identity.role or identity.name) if operation.method in READS else ""
            if role in served:
                continue
            reply = await ctx.legit(operation, identity)
            replies.append((identity.name, reply))
            if reply.ok and meaningful(reply.text):
                served.add(role)
        return replies
    if operation.is_public and operation.method == "GET":
        reply = await ctx.send(ctx.request(operation), as_=None, note="anonymous request")
        return [("an anonymous", reply)]
    return []


def exposed(
    api: Api, operation: Operation, reply: Reply, identity: str, *, own: Collection[str] = ()
) -> Iterator[Exposed]:
    """What ``reply`` carries beyond ``operation``'s response schema, and its secrets.

    A token or key in ``own`` (the caller's own credentials) is the caller's to see: at
    most an undeclared property, never a secret leaked.
    """
    data = reply.data
    if data is None:
        return
    schema = response_schema(operation, reply.status)
    public = contract_values(api)
    for path, mask in unmasked(data):
        yield Exposed(
            path=path,
            what=f"the whole value beside its masked form {mask}, which says it is not to be shown",
            severity=Severity.MEDIUM,
            secret=False,
            reply=reply,
            identity=identity,
        )
    own_record = operation.method == "GET" and on_caller(operation.path)
    for path, name, value, declared in walk(api, data, schema):
        kind = secret_kind(name, value, declared=declared)
        if kind in CREDENTIAL_KINDS and str(value).strip().rsplit(" ", 1)[-1] in own:
            kind = None
        if kind == NATIONAL_ID and own_record:
            kind = None  # the caller's own number, on its own record (``GET /auth/me``)
        if kind is not None and str(value).strip() in public:
            continue  # the contract's own example: documented to everyone
        if kind is not None:
            yield Exposed(
                path=path,
                what=f"a {kind}" + ("" if declared else ", not declared in the contract"),
                severity=Severity.HIGH,
                secret=True,
                reply=reply,
                identity=identity,
            )
        elif not declared:
            personal = is_personal(name) and not (
                own_record or callers_note(name) or of_a_place(path, operation)
            )
            yield Exposed(
                path=path,
                what="undeclared" + (" personal or internal data" if personal else " property"),
                severity=Severity.MEDIUM if personal else Severity.LOW,
                secret=False,
                reply=reply,
                identity=identity,
            )


def response_schema(operation: Operation, status: int) -> Schema | None:
    """The JSON schema the contract gives for ``status`` (None: anything goes)."""
    responses = operation.responses
    response = (
        responses.get(str(status))
        or responses.get(f"{str(status)[0]}XX")
        or responses.get(f"{str(status)[0]}xx")
        or responses.get("default")
    )
    if response is None:
        return None
    for media, schema in response.content.items():
        if any(media.split(";")[0].strip().endswith(j) for j in _JSON):
            return schema
    return None


def declared_part(api: Api, operation: Operation, reply: Reply) -> Any:
    """``reply``'s data without the fields its response schema does not declare: what the
    contract says the operation shows (the rest is this check's to report)."""
    schema = response_schema(operation, reply.status)
    return reply.data if schema is None else _declared(api, reply.data, schema)


def _declared(api: Api, data: Any, schema: Schema | None) -> Any:
    shape = shape_of(api, schema) if schema is not None else None
    if isinstance(data, list):
        return [_declared(api, item, shape.items if shape else None) for item in data]
    if not isinstance(data, dict) or shape is None:
        return data
    kept = {}
    for key, value in data.items():
        sub, declared = _lookup(shape, str(key))
        if declared:
            kept[key] = _declared(api, value, sub)
    return kept


def walk(
    api: Api, data: Any, schema: Schema | None, path: str = ""
) -> Iterator[tuple[str, str, Any, bool]]:
    """Every ``(path, name, value, declared)`` of ``data``'s fields; undeclared ones once."""
    shape = shape_of(api, schema) if schema is not None else None
    if isinstance(data, list):
        items = shape.items if shape is not None else None
        for item in data:
            yield from walk(api, item, items, f"{path}[]")
        return
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        where = f"{path}.{key}" if path else str(key)
        sub, declared = _lookup(shape, str(key))
        yield where, str(key), value, declared
        if declared:
            yield from walk(api, value, sub, where)
        else:
            yield from _undeclared(value, where)


def _lookup(shape: Shape | None, key: str) -> tuple[Schema | None, bool]:
    if shape is None or shape.open:
        return None, True
    if key in shape.properties:
        return shape.properties[key], True
    if shape.extra is not None:
        return shape.extra, True
    return None, False


def _undeclared(data: Any, path: str) -> Iterator[tuple[str, str, Any, bool]]:
    """The fields inside an undeclared value: not reported as undeclared again, but secrets count."""
    for where, name, value, _ in walk_open(data, path):
        yield where, name, value, True


def walk_open(data: Any, path: str = "") -> Iterator[tuple[str, str, Any, bool]]:
    """Every field of ``data`` as if the contract allowed anything."""
    if isinstance(data, list):
        for item in data:
            yield from walk_open(item, f"{path}[]")
    elif isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            yield where, str(key), value, True
            yield from walk_open(value, where)


def shape_of(api: Api, schema: Schema, depth: int = 0) -> Shape:
    """``schema`` with ``$ref``s followed and ``allOf``/``oneOf``/``anyOf`` merged."""
    parts = list(_parts(api, schema, depth))
    properties: dict[str, Schema] = {}
    open_ = not any("properties" in p or p.get("additionalProperties") is False for p in parts)
    extra: Schema | None = None
    items: Schema | None = None
    for part in parts:
        properties.update(
            {k: v for k, v in (part.get("properties") or {}).items() if isinstance(v, Mapping)}
        )
        additional = part.get("additionalProperties")
        if additional is True or additional == {}:
            open_ = True
        elif isinstance(additional, Mapping):
            extra = additional
        if isinstance(part.get("items"), Mapping):
            items = part["items"]
    return Shape(properties=properties, open=open_, extra=extra, items=items)


def _parts(api: Api, schema: Schema, depth: int) -> Iterator[Schema]:
    """``schema`` and every branch of its composition, dereferenced (bounded depth)."""
    concrete = api.deref(schema)
    yield concrete
    if depth > 8:
        return
    for keyword in _COMPOSED:
        for branch in concrete.get(keyword) or ():
            if isinstance(branch, Mapping):
                yield from _parts(api, branch, depth + 1)
