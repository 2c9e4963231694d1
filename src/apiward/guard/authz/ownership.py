"""Object-level authorization (BOLA, OWASP API1): the object a request names must be the caller's.

A rule binds one request value (path, query, header or body) to the caller:

* ``equals_claim: sub``: the value must equal that verified claim (or be one of its
  items, when the claim is a list such as ``accounts: [12, 14]``);
* ``hook``: an async ``owner(ctx, value)`` looks the object up (the app's database)
  and its answer must equal the principal (or the claim named by ``claim``).

``unless_roles`` lets staff through. An absent value is not checked (the contract
and the validate stage decide whether it is required); a repeated one is checked
every time, and ``*`` in a body pointer checks every item of an array. A hook that
answers None (no such object) gets the *same* 403 as someone else's object, so the
guard never tells a caller which ids exist; ``unknown: pass`` lets the app answer
its own 404 instead, which does tell. A hook that raises one of
:data:`~apiward.guard.authz.hooks.VALUE_ERRORS` for a value it cannot handle (an id
beyond 64 bits) answers the same as None. A hook that fails otherwise (or exceeds
``hook_timeout``, when one is set) refuses with 503 (fail closed) unless the rule says
``on_error: allow``.

Body values come from the one parsed document of the request: whichever stage needs
it first parses it (strictly, jsonbody.py) and leaves it in ``ctx.document``,
where the validate and SSRF stages pick it up, so a body is never parsed twice.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from apiward.core.errors import ConfigError
from apiward.guard.authz.hooks import VALUE_ERRORS, OwnerFn, bounded, resolve
from apiward.guard.context import UNREAD, Context
from apiward.guard.jsonbody import parse_form, parse_json
from apiward.guard.policy import OwnershipRule
from apiward.guard.problem import Refusal, Rule
from apiward.guard.routes import Route
from apiward.guard.vocabulary import Decision, Unknown

log = logging.getLogger("apiward.guard.authz")
_FORM = b"application/x-www-form-urlencoded"


@dataclass(frozen=True, slots=True, kw_only=True)
class OwnerCheck:
    """One ownership rule compiled for its operation."""

    location: str
    name: str
    header: bytes
    parts: tuple[str, ...]
    field: str
    equals_claim: str | None
    hook: OwnerFn | None
    claim: str | None
    unless: frozenset[str]
    unknown_passes: bool
    error_allows: bool


def compile_owner(
    rule: OwnershipRule,
    index: int,
    routes: Mapping[str, Route],
    hooks: Mapping[str, Any],
    folder: Path | None = None,
) -> OwnerCheck:
    """Check a rule against the contract and resolve its hook; ConfigError names the rule."""
    pointer = f"/authorization/ownership/{index}"
    route = routes.get(rule.operation)
    if route is None:
        raise ConfigError(
            f"{rule.operation!r} is not an operation of the contract", pointer=pointer
        )
    where, name = rule.param.location, rule.param.name
    _check_param(route, where, name, pointer)
    parts = tuple(name.strip("/").split("/")) if where == "body" else ()
    hook = (
        resolve(rule.hook, hooks, method="owner", pointer=f"{pointer}/hook", folder=folder)
        if rule.hook
        else None
    )
    return OwnerCheck(
        location=where,
        name=name,
        header=name.lower().encode("latin-1"),
        parts=parts,
        field=f"body/{'/'.join(parts)}" if where == "body" else f"{where}/{name}",
        equals_claim=rule.equals_claim,
        hook=hook,
        claim=rule.claim,
        unless=frozenset(rule.unless_roles),
        unknown_passes=rule.unknown is Unknown.PASS,
        error_allows=rule.on_error is Decision.ALLOW,
    )


def _check_param(route: Route, where: str, name: str, pointer: str) -> None:
    op = route.operation
    if where == "body":
        if op.request_body is None:
            raise ConfigError(f"{route.key} takes no request body", pointer=f"{pointer}/param")
        return
    declared = {
        (p.location.value, p.name.lower() if where == "header" else p.name) for p in op.parameters
    }
    wanted = name.lower() if where == "header" else name
    if (where, wanted) not in declared:
        raise ConfigError(
            f"{route.key} declares no {where} parameter {name!r}", pointer=f"{pointer}/param"
        )


async def check_owner(ctx: Context, rule: OwnerCheck, timeout: float | None) -> str:
    """Refuse unless every value the rule binds names the caller's object; say what was decided."""
    if rule.unless and not ctx.roles.isdisjoint(rule.unless):
        return f"{rule.field}: role"
    values = await _values(ctx, rule)
    for value in values:
        if rule.equals_claim is not None:
            _equals_claim(ctx, rule, rule.equals_claim, value)
        else:
            await _ask_hook(ctx, rule, value, timeout)
    return f"{rule.field}: owner" if values else f"{rule.field}: absent"


def _refuse(rule: OwnerCheck) -> Refusal:
    # One answer for "someone else's" and "no such object": existence is not revealed.
    return Refusal(
        Rule.AUTHZ_OWNER,
        "the object this parameter names is not the caller's, or does not exist",
        field=rule.field,
    )


def _text(value: Any) -> str:
    return value if isinstance(value, str) else str(value)


def _equals_claim(ctx: Context, rule: OwnerCheck, claim_name: str, value: Any) -> None:
    claim = ctx.claims.get(claim_name)
    if claim is None:
        raise _refuse(rule)
    wanted = _text(value)
    if isinstance(claim, list | tuple):
        if wanted not in {_text(item) for item in claim}:
            raise _refuse(rule)
    elif _text(claim) != wanted:
        raise _refuse(rule)


async def _ask_hook(ctx: Context, rule: OwnerCheck, value: Any, timeout: float | None) -> None:
    who = ctx.claims.get(rule.claim) if rule.claim is not None else ctx.principal
    if who is None or rule.hook is None:
        raise _refuse(rule)
    try:
        answer = await bounded(rule.hook(ctx, value), timeout)
    except VALUE_ERRORS:
        answer = None  # the value names no object the hook can find: not an outage
    except Exception as error:  # noqa: BLE001 - any hook failure is an unanswerable question
        log.warning("ownership hook for %s failed: %s", rule.field, type(error).__name__)
        if rule.error_allows:
            return
        raise Refusal(
            Rule.AUTHZ_UNAVAILABLE, "ownership cannot be checked right now", field=rule.field
        ) from None
    if answer is None:
        if rule.unknown_passes:
            return
        raise _refuse(rule)
    if not _owns(_text(who), answer):
        raise _refuse(rule)


def _owns(who: str, answer: str | Iterable[str]) -> bool:
    if isinstance(answer, str):
        return answer == who
    return who in {_text(owner) for owner in answer}


async def _values(ctx: Context, rule: OwnerCheck) -> list[Any]:
    where = rule.location
    if where == "path":
        found = ctx.match.params.get(rule.name) if ctx.match is not None else None
        return [] if found is None else [found]
    if where == "query":
        query = ctx.scope.get("query_string", b"").decode("latin-1")
        return [v for k, v in parse_qsl(query, keep_blank_values=True) if k == rule.name]
    if where == "header":
        return [v.decode("latin-1") for k, v in ctx.scope["headers"] if k == rule.header]
    return list(_select(await body_document(ctx), rule.parts))


def _select(node: Any, parts: tuple[str, ...]) -> Iterable[Any]:
    if not parts:
        yield node
        return
    head, rest = parts[0], parts[1:]
    if head == "*" and isinstance(node, list):
        for item in node:
            yield from _select(item, rest)
    elif isinstance(node, dict) and head in node:
        yield from _select(node[head], rest)


async def body_document(ctx: Context) -> Any:
    """The request's parsed body, parsed at most once per request; None when there is none."""
    if ctx.document is not UNREAD:
        return ctx.document
    body = await ctx.body()
    if not body:
        return None
    media = (ctx.header(b"content-type") or b"").split(b";", 1)[0].strip().lower()
    if media == b"application/json" or media.endswith(b"+json"):
        document = parse_json(body)
    elif media == _FORM:
        document = parse_form(body)
    else:
        raise Refusal(Rule.MEDIA_TYPE, "ownership rules read JSON or urlencoded bodies only")
    ctx.document = document
    return document
