"""Stage 1, client identity and transport: who is asking, over what, and how much.

* The client address is the peer's, unless the peer is a trusted proxy: then the
  right-most ``X-Forwarded-For`` hop that is not itself trusted (never the left-most). A
  client cannot pick its own address by sending the header to an untrusted guard.
* HTTPS: ``require_https`` answers plain HTTP with 426; HSTS goes on HTTPS answers.
* Size: header count and bytes; body bytes counted while streaming ``receive()``
  (chunked bodies too, not only Content-Length); JSON nesting depth.
* Ambiguity: duplicate singleton headers, Content-Length with Transfer-Encoding,
  compressed request bodies, and repeated single-valued query parameters (parameter pollution,
  decompression bombs, request smuggling).
* ``Connection`` naming a header the guard or the API relies on (credentials, cookies,
  forwarding, framing, the contract's header parameters and API-key headers): a proxy
  drops what ``Connection`` names, so such a request could shed its own checks.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from urllib.parse import parse_qsl

from apiward.guard.context import Context, Message
from apiward.guard.policy import TransportPolicy
from apiward.guard.problem import Refusal, Rule
from apiward.guard.stage import Setup
from apiward.spec import Api, ParameterLocation

SINGLETON_HEADERS = frozenset(
    {b"host", b"content-length", b"content-type", b"authorization", b"transfer-encoding"}
)
# Headers a request may never list in Connection, besides the contract's own header names.
RELIED_ON = frozenset(
    {
        b"authorization",
        b"proxy-authorization",
        b"cookie",
        b"host",
        b"content-type",
        b"content-length",
        b"content-encoding",
        b"transfer-encoding",
        b"x-forwarded-for",
        b"x-forwarded-proto",
        b"x-forwarded-host",
        b"forwarded",
        b"x-api-key",
        b"signature",
        b"signature-input",
        b"content-digest",
        b"origin",
    }
)
_STRINGS = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def build(setup: Setup) -> Transport | None:
    """The transport stage, or None when the policy switches it off."""
    policy = setup.policy.transport
    if not policy.enabled:
        return None
    return Transport(policy, _array_params(setup.api), RELIED_ON | _contract_headers(setup.api))


def _contract_headers(api: Api) -> frozenset[bytes]:
    """Header parameters and API-key header names the contract declares (lower-case)."""
    names = {
        p.name
        for op in api.operations
        for p in op.parameters
        if p.location is ParameterLocation.HEADER
    }
    names.update(
        s.parameter_name
        for s in api.security_schemes.values()
        if s.location is ParameterLocation.HEADER and s.parameter_name
    )
    return frozenset(name.lower().encode("latin-1") for name in names)


def _array_params(api: Api) -> Mapping[str, frozenset[str]]:
    """Per operation key: query parameters the contract lets repeat (arrays)."""
    return {
        f"{op.method.upper()} {op.path}": frozenset(
            p.name
            for p in op.parameters
            if p.location is ParameterLocation.QUERY and api.deref(p.schema).get("type") == "array"
        )
        for op in api.operations
    }


class Transport:
    """Client address, HTTPS, size limits and ambiguity checks."""

    def __init__(
        self,
        policy: TransportPolicy,
        arrays: Mapping[str, frozenset[str]],
        relied_on: frozenset[bytes] = RELIED_ON,
    ) -> None:
        self.policy = policy
        self.relied_on = relied_on
        self.trusted: tuple[Network, ...] = tuple(
            ipaddress.ip_network(c, strict=False) for c in policy.trusted_proxies
        )
        self.arrays = arrays
        self.hsts = (
            (
                b"strict-transport-security",
                f"max-age={policy.hsts_max_age}; includeSubDomains".encode(),
            )
            if policy.hsts_max_age
            else None
        )

    async def aclose(self) -> None:
        """Nothing to release: the stage holds no connections."""

    async def check(self, ctx: Context) -> None:
        """Run every transport rule on the request."""
        headers: list[tuple[bytes, bytes]] = ctx.scope["headers"]
        self._check_headers(headers)
        peer_trusted = bool(self.trusted) and self._trusted(ctx.client)
        if peer_trusted:
            # The app sees the resolved client too, as uvicorn's proxy-headers mode would show it.
            ctx.client = self._forwarded_client(headers, ctx.client)
            ctx.scope["client"] = (ctx.client, 0)
        self._check_https(ctx, peer_trusted)
        if ctx.scope.get("query_string"):
            self._check_query(ctx)
        self._count_body(ctx)
        if self.policy.max_json_depth and _is_json(ctx.header(b"content-type")):
            _check_depth(await ctx.body(), self.policy.max_json_depth)

    def _check_headers(self, headers: list[tuple[bytes, bytes]]) -> None:
        if len(headers) > self.policy.max_headers:
            raise Refusal(Rule.HEADERS_TOO_LARGE, f"more than {self.policy.max_headers} headers")
        # One pass over the headers; the size limit is still the first refusal reported.
        size = 0
        found: Refusal | None = None
        seen: set[bytes] = set()
        for name, value in headers:
            size += len(name) + len(value)
            if found is not None:
                continue
            if name in SINGLETON_HEADERS:
                if name in seen:
                    found = Refusal(
                        Rule.DUPLICATE_HEADER, f"{name.decode()} appears more than once"
                    )
                seen.add(name)
            elif name == b"content-encoding":
                found = Refusal(Rule.CONTENT_ENCODING, "request bodies must not be compressed")
            elif name == b"connection":
                found = self._connection_refusal(value)
        if size > self.policy.max_header_bytes:
            raise Refusal(
                Rule.HEADERS_TOO_LARGE, f"headers exceed {self.policy.max_header_bytes} bytes"
            )
        if found is not None:
            raise found
        if b"content-length" in seen and b"transfer-encoding" in seen:
            raise Refusal(Rule.AMBIGUOUS_LENGTH, "Content-Length and Transfer-Encoding together")

    def _connection_refusal(self, value: bytes) -> Refusal | None:
        for token in value.split(b","):
            if token.strip().lower() in self.relied_on:
                return Refusal(
                    Rule.CONNECTION_HEADER,
                    f"Connection may not name {token.strip().decode('latin-1')}",
                    field="header/connection",
                )
        return None

    def _trusted(self, address: str) -> bool:
        if not self.trusted:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)

    def _forwarded_client(self, headers: list[tuple[bytes, bytes]], peer: str) -> str:
        hops = [
            hop.strip()
            for name, value in headers
            if name == b"x-forwarded-for"
            for hop in value.decode("latin-1").split(",")
        ]
        for hop in reversed(hops):
            try:
                ipaddress.ip_address(hop)
            except ValueError:
                return peer  # a malformed hop: keep the address we know is real
            if not self._trusted(hop):
                return hop
        return hops[0] if hops else peer

    def _check_https(self, ctx: Context, peer_trusted: bool) -> None:
        https = ctx.scope.get("scheme") == "https" or (
            peer_trusted and ctx.header(b"x-forwarded-proto") == b"https"
        )
        if https and self.hsts is not None:
            ctx.response_headers.append(self.hsts)
        elif not https and self.policy.require_https:
            raise Refusal(Rule.HTTPS_REQUIRED, "this API is served over HTTPS only")

    def _check_query(self, ctx: Context) -> None:
        query: bytes = ctx.scope.get("query_string", b"")
        if not query:
            return
        route = ctx.route
        arrays = self.arrays.get(route.key, frozenset()) if route else frozenset()
        seen: set[str] = set()
        for name, _ in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if name in seen and name not in arrays:
                raise Refusal(
                    Rule.DUPLICATE_PARAMETER, "query parameter repeated", field=f"query/{name}"
                )
            seen.add(name)

    def _count_body(self, ctx: Context) -> None:
        limit = self.policy.max_body_bytes
        length = ctx.header(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            raise Refusal(Rule.BODY_TOO_LARGE, f"the body may be at most {limit} bytes")
        inner = ctx.receive
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await inner()
            received += len(message.get("body", b""))
            if received > limit:
                raise Refusal(Rule.BODY_TOO_LARGE, f"the body may be at most {limit} bytes")
            return message

        ctx.receive = counted


def _is_json(content_type: bytes | None) -> bool:
    if content_type is None:
        return False
    media = content_type.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or media.endswith(b"+json")


def _check_depth(body: bytes, limit: int) -> None:
    """Refuse JSON nesting deeper than ``limit``, from the bytes (before any parser recurses)."""
    if len(body.translate(None, _NOT_BRACKETS)) <= limit:
        return  # fewer brackets than the limit, strings included: no need to strip strings
    brackets = _STRINGS.sub(b"", body).translate(None, _NOT_BRACKETS)
    if len(brackets) <= limit:
        return
    depth = 0
    for byte in brackets:
        depth += 1 if byte in b"[{" else -1
        if depth > limit:
            raise Refusal(Rule.TOO_DEEP, f"JSON may nest at most {limit} levels")
