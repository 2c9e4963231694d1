"""Response protection: filtered bodies, security headers, strict CORS, no stack traces.

Wraps the ``send`` channel. JSON answers (and every 5xx) are buffered so that they
can be filtered to the contract's schema for their status (undeclared properties
removed, API3 excessive data exposure), replaced by a generic problem document when
they are server errors (API8: no stack traces), and given ``Content-Digest``
(RFC 9530, sha-256). Other media types stream through untouched apart from headers.
A compressed JSON answer is decoded to be filtered (codings.py) and, if filtering
changed it, encoded again with the same codings; one the guard cannot read (an
unknown coding, a corrupt stream, too large once decoded, not JSON at all) is never
passed on unread: it is replaced by a 502 problem document (``response.uninspectable``).
CORS is answered from the policy only: any ``Access-Control-*`` header the app set is
dropped, so an app that reflects every Origin can no longer do so.
"""

from __future__ import annotations

import binascii
import hashlib
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson

from apiward.guard.codings import Uninspectable, codings, decode, encode
from apiward.guard.context import Context, Message, Send
from apiward.guard.filtering import Filter, compile_filter
from apiward.guard.policy import CorsPolicy, ResponsePolicy
from apiward.guard.problem import MEDIA_TYPE, Refusal, Rule, problem_body, status_of
from apiward.guard.stage import Setup
from apiward.spec import Api, Operation

# The headers OWASP's REST Security Cheat Sheet asks of API answers (HSTS comes from
# the transport stage, over HTTPS only). Each header costs the server about 1.4 µs
# per answer under uvicorn/h11 (benchmarks/guard_overhead.py "headers" line), so
# document-only headers (Referrer-Policy, Cross-Origin-Resource-Policy, ...) are
# opt-in: ``security_headers: {name: value, ...}`` sends exactly the given set.
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
    (b"x-frame-options", b"DENY"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
)


def build(setup: Setup) -> ResponseGuard | None:
    """The response stage, or None when the policy switches it off."""
    policy = setup.policy.response
    if not policy.enabled:
        return None
    filters = (
        {r.key: _filters(setup.api, r.operation) for r in setup.routes.routes}
        if policy.filter
        else {}
    )
    return ResponseGuard(policy, filters)


def _filters(api: Api, op: Operation) -> Mapping[str, Filter]:
    found: dict[str, Filter] = {}
    for status, response in op.responses.items():
        schema = next(
            (s for media, s in response.content.items() if _json_media(media.encode())), None
        )
        if schema is not None:
            found[status.upper()] = compile_filter(api, schema)
    return found


def _json_media(media: bytes) -> bool:
    if media == b"application/json":
        return True  # most answers: nothing to split or fold
    media = media.split(b";", 1)[0].strip().lower()
    return media == b"application/json" or media.endswith(b"+json")


class ResponseGuard:
    """Adjusts every answer on its way out."""

    def __init__(self, policy: ResponsePolicy, filters: Mapping[str, Mapping[str, Filter]]) -> None:
        self.policy = policy
        self.filters = filters
        self.cors = policy.cors
        self.origins = frozenset(policy.cors.allow_origins)
        # Decided here, not per answer: which app headers go, which are added.
        self.added = security_headers(policy.security_headers)
        self.replaced = frozenset(name for name, _ in self.added)
        self.inspects = policy.filter or policy.content_digest
        self.picked: dict[tuple[str, int], Filter | None] = {}
        """(route, status) → its filter, each chosen once: routes × statuses is small."""

    def preflight(self, ctx: Context) -> tuple[int, list[tuple[bytes, bytes]]] | None:
        """The answer to a CORS preflight, or None when the request is not one."""
        if ctx.method != "OPTIONS":
            return None
        origin = ctx.header(b"origin")
        wanted = ctx.header(b"access-control-request-method")
        if origin is None or wanted is None:
            return None
        if (
            origin.decode("latin-1") not in self.origins
            or wanted.decode("latin-1") not in self.cors.allow_methods
        ):
            raise Refusal(Rule.CORS_ORIGIN, "this origin or method may not call the API")
        ctx.decisions["cors"] = "preflight"
        return 204, [(b"content-length", b"0")]

    def wrap(self, ctx: Context, send: Send, ending: Ending | None = None) -> Send:
        """A send channel that applies the response rules to this request's answer.

        ``ending`` (the audit record) is awaited just before the answer's last body
        message goes out, with ``ctx.status`` the status the client gets.
        """
        start: Message | None = None
        chunks: list[bytes] = []
        encodings: list[bytes] = []  # the app's Content-Encoding values, seen in _headers

        async def guarded(message: Message) -> None:
            nonlocal start
            kind = message["type"]
            if kind == "http.response.start":
                ctx.status = status = message["status"]  # the app has started answering
                sent = message.get("headers", [])
                headers, media, length = self._headers(
                    ctx, [*sent, *ctx.response_headers] if ctx.response_headers else sent, encodings
                )
                ctx.response_type = media
                if ctx.refusal is not None or not self._buffered(status, media):
                    if length is not None:
                        headers.append(length)
                    await send({**message, "headers": headers})
                    return
                start = {**message, "headers": headers}  # its length is set once filtered
                return
            last = kind == "http.response.body" and not message.get("more_body", False)
            if start is None or kind != "http.response.body":
                if last and ending is not None:
                    await ending(ctx)
                await send(message)
                return
            if last and not chunks:  # the whole answer in one message: nothing to join
                await self._finish(ctx, start, message.get("body", b""), send, encodings, ending)
                return
            chunks.append(message.get("body", b""))
            if last:
                await self._finish(ctx, start, b"".join(chunks), send, encodings, ending)

        return guarded

    def _headers(
        self, ctx: Context, headers: list[tuple[bytes, bytes]], encodings: list[bytes]
    ) -> tuple[list[tuple[bytes, bytes]], bytes | None, tuple[bytes, bytes] | None]:
        """The answer's headers without Content-Length, its media type, and that length.

        One pass over the app's headers does all the header work: what goes, what is
        added, and what later decisions need (media type, codings, length).
        """
        replaced = self.replaced
        kept = []
        media: bytes | None = None
        length: tuple[bytes, bytes] | None = None
        for key, value in headers:
            name = key.lower()
            if name == b"content-length":
                length = (key, value)
            elif name not in replaced and not name.startswith(b"access-control-"):
                kept.append((key, value))
                if name == b"content-type":
                    media = media if media is not None else value
                elif name == b"content-encoding":
                    encodings.append(value)
        kept.extend(self.added)
        origin = ctx.header(b"origin") if self.origins else None
        if origin is not None and origin.decode("latin-1") in self.origins:
            kept.extend(_cors_headers(self.cors, origin))
            if ctx.decisions.get("cors") == "preflight":
                kept.extend(_preflight_headers(self.cors))
        return kept, media, length

    def _buffered(self, status: int, media: bytes | None) -> bool:
        if status >= 500 and self.policy.hide_errors:
            return True
        return media is not None and self.inspects and _json_media(media)

    async def _finish(
        self,
        ctx: Context,
        start: Message,
        body: bytes,
        send: Send,
        encodings: list[bytes],
        ending: Ending | None,
    ) -> None:
        status: int = start["status"]
        # Our own list from _headers, without Content-Length: set here for the final body.
        headers: list[tuple[bytes, bytes]] = start["headers"]
        if status >= 500 and self.policy.hide_errors and ctx.refusal is None:
            _, headers, body = self._replaced(
                ctx, headers, Rule.UPSTREAM_ERROR, "the API failed to answer this request"
            )
            ctx.decisions["response"] = "error body replaced"
        else:
            match = ctx.match  # resolved after wrap() was called, so looked up here
            keep = self._filter_for(match.route.key, status) if match is not None else None
            try:
                body = self._filtered(body, encodings, keep, ctx)
            except Uninspectable as error:
                detail = f"the API's answer cannot be inspected: {error.reason}"
                ctx.refusal = Refusal(Rule.RESPONSE_UNINSPECTABLE, detail)
                status, headers, body = self._replaced(
                    ctx, headers, Rule.RESPONSE_UNINSPECTABLE, detail
                )
        if self.policy.content_digest:
            # base64.b64encode is a Python wrapper around exactly this call.
            digest = binascii.b2a_base64(hashlib.sha256(body).digest(), newline=False)
            headers.append((b"content-digest", b"sha-256=:" + digest + b":"))
        headers.append((b"content-length", str(len(body)).encode()))
        ctx.status = status
        await send({**start, "status": status, "headers": headers})
        if ending is not None:
            await ending(ctx)
        await send({"type": "http.response.body", "body": body, "more_body": False})

    def _filter_for(self, route: str, status: int) -> Filter | None:
        key = (route, status)
        try:
            return self.picked[key]
        except KeyError:
            found = self.picked[key] = _pick(self.filters.get(route, {}), status)
            return found

    @staticmethod
    def _replaced(
        ctx: Context, headers: list[tuple[bytes, bytes]], rule: Rule, detail: str
    ) -> tuple[int, list[tuple[bytes, bytes]], bytes]:
        """A problem document in place of the app's answer, keeping the guard's headers."""
        body = problem_body(rule, detail, field=None, instance=ctx.request_id)
        kept = [(k, v) for k, v in headers if k.lower() not in _BODY_HEADERS]
        kept.append((b"content-type", MEDIA_TYPE))
        ctx.response_type = MEDIA_TYPE
        return status_of(rule), kept, body

    def _filtered(
        self, body: bytes, encodings: list[bytes], keep: Filter | None, ctx: Context
    ) -> bytes:
        if keep is None or not body:
            return body
        applied = codings(encodings) if encodings else ()
        plain = decode(body, applied, self.policy.max_decoded_bytes) if applied else body
        try:
            document: Any = orjson.loads(plain)
        except orjson.JSONDecodeError:
            raise Uninspectable("declared JSON, but is not") from None
        filtered = keep(document)
        if filtered is document:
            return body  # unchanged: keep the app's exact bytes
        ctx.decisions["response"] = "undeclared properties removed"
        return encode(orjson.dumps(filtered), applied)


Ending = Callable[[Context], Awaitable[None]]
"""What runs just before an answer's last byte goes out (the audit record)."""


def security_headers(setting: bool | Mapping[str, str]) -> tuple[tuple[bytes, bytes], ...]:
    """The headers a policy's ``security_headers`` puts on every answer."""
    if isinstance(setting, bool):
        return SECURITY_HEADERS if setting else ()
    return tuple((k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in setting.items())


# What describes the app's body, and goes when the guard answers with its own.
_BODY_HEADERS = frozenset(
    {b"content-type", b"content-encoding", b"content-digest", b"etag", b"last-modified"}
)


def _pick(filters: Mapping[str, Filter], status: int) -> Filter | None:
    code = str(status)
    return filters.get(code) or filters.get(f"{code[0]}XX") or filters.get("DEFAULT")


def _cors_headers(cors: CorsPolicy, origin: bytes) -> list[tuple[bytes, bytes]]:
    headers = [(b"access-control-allow-origin", origin), (b"vary", b"Origin")]
    if cors.allow_credentials:
        headers.append((b"access-control-allow-credentials", b"true"))
    return headers


def _preflight_headers(cors: CorsPolicy) -> list[tuple[bytes, bytes]]:
    return [
        (b"access-control-allow-methods", ", ".join(cors.allow_methods).encode()),
        (b"access-control-allow-headers", ", ".join(cors.allow_headers).encode()),
        (b"access-control-max-age", str(cors.max_age).encode()),
    ]
