"""Stage: injection signatures in the request's strings, what a WAF adds past the contract.

A contract that declares ``q`` or ``template`` as a plain string cannot tell a search
term from ``' OR '1'='1``. This stage runs the chosen signatures (signatures.py) on
every path and query value and every string of a JSON or form body, and refuses a
match with 422 ``injection.signature`` naming the field. Fields named like a
password, secret, key or token are never checked: their text is random by design
and never interpreted. ``skip`` exempts fields per operation that legitimately hold
code or templates (``query:name``, ``path:name``, or a body pointer and everything
under it). Off by default; the README gives its measured false-positive rates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl

from apiward.core.errors import ConfigError
from apiward.core.sensitive import DataClass, classify_name
from apiward.guard.context import UNREAD, Context
from apiward.guard.jsonbody import parse_form, parse_json
from apiward.guard.problem import Refusal, Rule
from apiward.guard.signatures import DETECTORS, inert
from apiward.guard.stage import Setup

_NEVER_READ = frozenset({DataClass.PASSWORD, DataClass.SECRET, DataClass.API_KEY, DataClass.JWT})
_MAX_DEPTH = 64


def build(setup: Setup) -> Injection | None:
    """The injection-signature stage, or None when the policy switches it off."""
    policy = setup.policy.injection
    if not policy.enabled or not policy.signatures:
        return None
    known = {route.key for route in setup.routes.routes}
    for key in policy.skip:
        if key not in known:
            raise ConfigError(
                f"{key!r} is not an operation of the API",
                pointer="/injection/skip/" + key.replace("~", "~0").replace("/", "~1"),
            )
    detectors = tuple(DETECTORS[s] for s in policy.signatures)
    skips = {key: frozenset(fields) for key, fields in policy.skip.items()}
    return Injection(detectors, skips)


class Injection:
    """Refuses requests whose free strings match an injection signature."""

    def __init__(
        self, detectors: tuple[Callable[[str], bool], ...], skips: Mapping[str, frozenset[str]]
    ) -> None:
        self.detectors = detectors
        self.skips = skips

    async def aclose(self) -> None:
        """Nothing to release: the stage holds no connections."""

    async def check(self, ctx: Context) -> None:
        """Refuse the request when one of its strings matches a signature."""
        route = ctx.route
        if route is None:
            return
        skip = self.skips.get(route.key, frozenset())
        params = ctx.match.params.items() if ctx.match is not None else ()
        for name, value in params:
            self._check(value, name, f"path:{name}", skip, f"path/{name}")
        query = ctx.scope.get("query_string", b"").decode("latin-1")
        for name, value in parse_qsl(query, keep_blank_values=True):
            self._check(value, name, f"query:{name}", skip, f"query/{name}")
        document = await _document(ctx)
        for pointer, owner, text in _strings(document, "", None, 0):
            if not any(pointer == s or pointer.startswith(s + "/") for s in skip):
                self._check(text, owner, None, skip, f"body{pointer}")

    def _check(
        self, value: str, name: str | None, key: str | None, skip: frozenset[str], field: str
    ) -> None:
        if inert(value) or key in skip:
            return
        if name is not None and classify_name(name) in _NEVER_READ:
            return
        for detect in self.detectors:
            if detect(value):
                raise Refusal(
                    Rule.INJECTION, "this value matches an injection signature", field=field
                )


async def _document(ctx: Context) -> Any:
    """The parsed body: validate's if it ran, else parsed here (JSON and forms only)."""
    if ctx.document is not UNREAD:
        return ctx.document
    media = (ctx.header(b"content-type") or b"").split(b";", 1)[0].strip().lower()
    if media != b"application/x-www-form-urlencoded" and not (
        media == b"application/json" or media.endswith(b"+json")
    ):
        return None
    body = await ctx.body()
    if not body:
        return None
    ctx.document = parse_json(body) if media.endswith(b"json") else parse_form(body)
    return ctx.document


def _strings(
    node: Any, pointer: str, name: str | None, depth: int
) -> Iterator[tuple[str, str | None, str]]:
    if isinstance(node, str):
        yield pointer, name, node
    elif depth < _MAX_DEPTH and isinstance(node, Mapping):
        for key, value in node.items():
            escaped = str(key).replace("~", "~0").replace("/", "~1")
            yield from _strings(value, f"{pointer}/{escaped}", str(key), depth + 1)
    elif depth < _MAX_DEPTH and isinstance(node, list):
        for index, value in enumerate(node):
            yield from _strings(value, f"{pointer}/{index}", name, depth + 1)
