"""Stage: URL-valued inputs must not point into private networks (OWASP API7).

Which inputs are URLs comes from the contract (string properties with ``format: uri``,
``url``, ``iri`` or ``uri-reference``) plus the policy's ``ssrf.inputs`` per operation
(JSON pointers into the body, ``*`` for array items, or ``query:NAME``). Each URL's
host is resolved and every address checked with :func:`apiward.core.netsafe.refusal`;
legacy IPv4 spellings (``2130706433``, ``0177.0.0.1``, ``0x7f.1``) are read the way
the C library would connect to them, and a host that does not resolve is refused
(fail closed). The API's own outbound calls should also use
``apiward.core.netsafe.async_client()``, which re-checks at connect time and on
every redirect: this stage cannot see DNS answers that change later.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import anyio

from apiward.core.netsafe import refusal
from apiward.guard.context import UNREAD, Context
from apiward.guard.jsonbody import parse_form, parse_json
from apiward.guard.problem import Refusal, Rule
from apiward.guard.routes import Route
from apiward.guard.stage import Setup
from apiward.spec import Api, Operation

URL_FORMATS = frozenset({"uri", "url", "iri", "uri-reference", "iri-reference"})
_MAX_DEPTH = 12


def build(setup: Setup) -> Ssrf | None:
    """The SSRF stage, or None when switched off or no operation takes a URL."""
    policy = setup.policy.ssrf
    if not policy.enabled:
        return None
    inputs: dict[str, tuple[str, ...]] = {}
    for route in setup.routes.routes:
        found = (*_contract_urls(setup.api, route.operation), *policy.inputs.get(route.key, ()))
        if found:
            inputs[route.key] = tuple(dict.fromkeys(found))
    return Ssrf(inputs) if inputs else None


def _contract_urls(api: Api, op: Operation) -> list[str]:
    pointers: list[str] = []
    for schema in op.request_body.content.values() if op.request_body else ():
        pointers.extend(_url_pointers(api, schema, "", 0))
    return pointers


def _url_pointers(api: Api, schema: Mapping[str, Any], pointer: str, depth: int) -> Iterator[str]:
    if depth > _MAX_DEPTH or not isinstance(schema, Mapping):
        return
    schema = api.deref(schema)
    if schema.get("format") in URL_FORMATS:
        yield pointer
    for name, sub in (schema.get("properties") or {}).items():
        yield from _url_pointers(api, sub, f"{pointer}/{name}", depth + 1)
    if isinstance(schema.get("items"), Mapping):
        yield from _url_pointers(api, schema["items"], f"{pointer}/*", depth + 1)
    for key in ("allOf", "anyOf", "oneOf"):
        for branch in schema.get(key) or ():
            yield from _url_pointers(api, branch, pointer, depth + 1)


class Ssrf:
    """Resolves every URL-valued input and refuses non-global destinations."""

    def __init__(self, inputs: Mapping[str, tuple[str, ...]]) -> None:
        self.inputs = inputs

    async def aclose(self) -> None:
        """Nothing to release: the stage holds no connections."""

    def needed(self, route: Route | None) -> bool:
        """Only operations with URL-valued inputs."""
        return route is not None and bool(self.inputs.get(route.key))

    async def check(self, ctx: Context) -> None:
        """Refuse the request if any of its URL inputs points to a non-global address."""
        route = ctx.route
        pointers = self.inputs.get(route.key) if route is not None else None
        if not pointers:
            return
        for where, value in await _values(ctx, pointers):
            if isinstance(value, str):
                reason = await url_refusal(value)
                if reason is not None:
                    raise Refusal(Rule.SSRF, reason, field=where)


async def _values(ctx: Context, pointers: tuple[str, ...]) -> list[tuple[str, Any]]:
    found: list[tuple[str, Any]] = []
    query: dict[str, str] | None = None
    document: Any = None
    for pointer in pointers:
        if pointer.startswith("query:"):
            if query is None:
                query = dict(parse_qsl(ctx.scope.get("query_string", b"").decode("latin-1")))
            name = pointer[len("query:") :]
            found.extend((f"query/{name}", query[name]) for _ in (1,) if name in query)
            continue
        if document is None:
            document = ctx.document if ctx.document is not UNREAD else await _document(ctx)
        found.extend(_body_values(document, pointer))
    return found


def _body_values(document: Any, pointer: str) -> list[tuple[str, Any]]:
    parts = _parts(pointer)
    if "*" in parts:
        return [(f"body{p}", v) for p, v in _select(document, list(parts), "")]
    node = document  # no array step: one walk down, no generators
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return []
        node = node[part]
    return [(f"body{pointer}", node)]


@functools.lru_cache(maxsize=1024)
def _parts(pointer: str) -> tuple[str, ...]:
    return tuple(pointer.split("/")[1:])


async def _document(ctx: Context) -> Any:
    body = await ctx.body()
    media = (ctx.header(b"content-type") or b"").split(b";", 1)[0].strip().lower()
    if not body:
        return {}
    if media == b"application/x-www-form-urlencoded":
        return parse_form(body)
    return parse_json(body) if media == b"application/json" or media.endswith(b"+json") else {}


def _select(node: Any, parts: list[str], pointer: str) -> Iterator[tuple[str, Any]]:
    if not parts:
        yield pointer, node
        return
    head, rest = parts[0], parts[1:]
    if head == "*" and isinstance(node, list):
        for index, item in enumerate(node):
            yield from _select(item, rest, f"{pointer}/{index}")
    elif isinstance(node, dict) and head in node:
        yield from _select(node[head], rest, f"{pointer}/{head}")


async def url_refusal(url: str) -> str | None:
    """Why fetching ``url`` would reach a non-global address (or could not be checked)."""
    verdict = _static_verdict(url)
    if isinstance(verdict, str | None):
        return verdict
    host, port = verdict
    try:
        infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return "the URL's host does not resolve"
    for info in infos:
        reason = refusal(str(info[4][0]))
        if reason is not None:
            return reason
    return None


@functools.lru_cache(maxsize=4096)
def _static_verdict(url: str) -> str | tuple[str, int] | None:
    """The answer for ``url`` when its text decides it, else the (host, port) to resolve.

    Cached by URL: parsing and address-literal checks are pure functions of the text
    (about 8 µs per request before), while a host name is resolved on every call because
    its DNS answer can change.
    """
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return "the URL cannot be parsed"
    if parts.scheme not in {"http", "https"}:
        return "only http and https URLs are accepted"
    if not host:
        return "the URL has no host"
    literal = _literal(host)
    if literal is not None:
        return refusal(literal)
    return host, port


def _literal(host: str) -> str | None:
    """The IP address a host spelled as a number stands for, or None for a name."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if host.replace(".", "").replace("x", "").replace("X", "").isalnum() and host[:1].isdigit():
        try:
            return socket.inet_ntoa(socket.inet_aton(host))  # 2130706433, 0177.0.0.1, 0x7f.1
        except OSError:
            return None
    return None
