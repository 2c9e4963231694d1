"""Refusals and the one place they become RFC 9457 ``application/problem+json`` answers.

A stage refuses by raising :class:`Refusal` with a :class:`Rule`; the Guard turns it
into a response here and nowhere else. Every rule has a stable ``type`` URI
(``https://apiward.dev/problems/<rule>``), a fixed title and an HTTP status, so
clients and dashboards can key on the type. Details name the failing field (a JSON
pointer) but never echo the value the client sent.
"""

from __future__ import annotations

from enum import StrEnum

import orjson

TYPE_BASE = "https://apiward.dev/problems/"
MEDIA_TYPE = b"application/problem+json"


class Rule(StrEnum):
    """Every reason the guard refuses a request (the stable part of the ``type`` URI)."""

    PATH_NOT_CANONICAL = "path.not-canonical"
    ROUTE_UNKNOWN = "route.unknown"
    ROUTE_DEPRECATED = "route.deprecated"
    HTTPS_REQUIRED = "transport.https-required"
    BODY_TOO_LARGE = "transport.body-too-large"
    HEADERS_TOO_LARGE = "transport.headers-too-large"
    DUPLICATE_HEADER = "transport.duplicate-header"
    DUPLICATE_PARAMETER = "transport.duplicate-parameter"
    CONTENT_ENCODING = "transport.content-encoding"
    AMBIGUOUS_LENGTH = "transport.ambiguous-length"
    CONNECTION_HEADER = "transport.connection-names-header"
    AUTHN_MISSING = "authn.missing-credentials"
    AUTHN_INVALID = "authn.invalid-credentials"
    AUTHN_AMBIGUOUS = "authn.ambiguous-credentials"
    AUTHN_UNAVAILABLE = "authn.unavailable"
    STEP_UP_REQUIRED = "authn.step-up-required"
    STEP_UP_LOCKED = "authn.step-up-locked"
    AUTHZ_SCOPE = "authz.scope"
    AUTHZ_ROLE = "authz.role"
    AUTHZ_OWNER = "authz.owner"
    AUTHZ_UNAVAILABLE = "authz.unavailable"
    RATE_LIMITED = "ratelimit.exceeded"
    BANNED = "ratelimit.banned"
    LIMITER_UNAVAILABLE = "ratelimit.unavailable"
    MEDIA_TYPE = "validate.media-type"
    MALFORMED_BODY = "validate.malformed-body"
    DUPLICATE_KEY = "validate.duplicate-key"
    TOO_DEEP = "validate.too-deep"
    UNSAFE_STRING = "validate.unsafe-string"
    INVALID = "validate.invalid"
    UNKNOWN_PARAMETER = "validate.unknown-parameter"
    SSRF = "ssrf.non-global-address"
    INJECTION = "injection.signature"
    CORS_ORIGIN = "cors.origin-not-allowed"
    UPSTREAM_ERROR = "response.upstream-error"
    RESPONSE_UNINSPECTABLE = "response.uninspectable"
    UPSTREAM_UNAVAILABLE = "gateway.upstream-unavailable"
    DEADLINE_EXCEEDED = "deadline.exceeded"


_STATUS_TITLE: dict[Rule, tuple[int, str]] = {
    Rule.PATH_NOT_CANONICAL: (400, "The request path is not in canonical form"),
    Rule.ROUTE_UNKNOWN: (404, "No such operation in the API contract"),
    Rule.ROUTE_DEPRECATED: (410, "This operation is deprecated and switched off"),
    Rule.HTTPS_REQUIRED: (426, "HTTPS is required"),
    Rule.BODY_TOO_LARGE: (413, "Request body too large"),
    Rule.HEADERS_TOO_LARGE: (431, "Request headers too large or too many"),
    Rule.DUPLICATE_HEADER: (400, "A header that may appear once appears several times"),
    Rule.DUPLICATE_PARAMETER: (400, "A single-valued parameter appears several times"),
    Rule.CONTENT_ENCODING: (415, "Compressed request bodies are not accepted"),
    Rule.AMBIGUOUS_LENGTH: (400, "Both Content-Length and Transfer-Encoding are set"),
    Rule.CONNECTION_HEADER: (400, "Connection names a header the API relies on"),
    Rule.AUTHN_MISSING: (401, "Authentication required"),
    Rule.AUTHN_INVALID: (401, "The credentials are not valid"),
    Rule.AUTHN_AMBIGUOUS: (400, "More than one credential in the request"),
    Rule.AUTHN_UNAVAILABLE: (503, "Credentials cannot be verified right now"),
    Rule.STEP_UP_REQUIRED: (401, "A second factor is required for this operation"),
    Rule.STEP_UP_LOCKED: (429, "Too many failed second-factor attempts"),
    Rule.AUTHZ_SCOPE: (403, "The token lacks a scope this operation requires"),
    Rule.AUTHZ_ROLE: (403, "The caller lacks a role this operation requires"),
    Rule.AUTHZ_OWNER: (403, "The caller may not act on this object"),
    Rule.AUTHZ_UNAVAILABLE: (503, "Authorization cannot be checked right now"),
    Rule.RATE_LIMITED: (429, "Too many requests"),
    Rule.BANNED: (429, "Client temporarily banned after repeated violations"),
    Rule.LIMITER_UNAVAILABLE: (503, "Rate limiter unavailable"),
    Rule.MEDIA_TYPE: (415, "Unsupported media type for this operation"),
    Rule.MALFORMED_BODY: (400, "The request body is not well-formed"),
    Rule.DUPLICATE_KEY: (400, "A JSON object repeats a key"),
    Rule.TOO_DEEP: (400, "The JSON body nests too deeply"),
    Rule.UNSAFE_STRING: (422, "A string holds control characters or is not NFC-normalised"),
    Rule.INVALID: (422, "The request does not match the API contract"),
    Rule.UNKNOWN_PARAMETER: (400, "A parameter the contract does not declare"),
    Rule.SSRF: (422, "A URL in the request points to a non-global address"),
    Rule.INJECTION: (422, "A string in the request matches an injection signature"),
    Rule.CORS_ORIGIN: (403, "Cross-origin request from an origin not allowed"),
    Rule.UPSTREAM_ERROR: (500, "Internal server error"),
    Rule.RESPONSE_UNINSPECTABLE: (502, "The API's answer could not be inspected"),
    Rule.UPSTREAM_UNAVAILABLE: (502, "The upstream API is unavailable"),
    Rule.DEADLINE_EXCEEDED: (504, "The API did not answer within its time budget"),
}


def status_of(rule: Rule) -> int:
    """The HTTP status a refusal under ``rule`` answers with."""
    return _STATUS_TITLE[rule][0]


class Refusal(Exception):  # noqa: N818 - a refusal is an outcome, not an error
    """Raised by a stage to refuse the request; becomes one problem document."""

    def __init__(
        self,
        rule: Rule,
        detail: str,
        *,
        field: str | None = None,
        headers: tuple[tuple[bytes, bytes], ...] = (),
    ) -> None:
        super().__init__(detail)
        self.rule = rule
        self.detail = detail
        self.field = field
        self.headers = headers

    @property
    def status(self) -> int:
        """The HTTP status of this refusal."""
        return status_of(self.rule)


def problem_body(rule: Rule, detail: str, *, field: str | None, instance: str) -> bytes:
    """The RFC 9457 JSON document for a refusal."""
    status, title = _STATUS_TITLE[rule]
    document: dict[str, object] = {
        "type": TYPE_BASE + rule.value,
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
    }
    if field is not None:
        document["field"] = field
    return orjson.dumps(document)


def problem_start(
    status: int, body: bytes, extra: tuple[tuple[bytes, bytes], ...]
) -> dict[str, object]:
    """The ``http.response.start`` message for a problem document."""
    headers = [
        (b"content-type", MEDIA_TYPE),
        (b"content-length", str(len(body)).encode()),
        *extra,
    ]
    return {"type": "http.response.start", "status": status, "headers": headers}
