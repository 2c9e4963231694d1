"""Path canonicalisation: decode once, refuse ambiguity (Envoy CVE-2019-9901 was this).

uvicorn hands ``%2e%2e`` through as ``..`` and ``%00`` as a NUL without normalising,
so the guard works from the raw bytes. It percent-decodes exactly once and refuses,
rather than repairs, everything two parsers could read differently: encoded ``/``,
``\\`` or NUL, control characters, invalid or overlong UTF-8, ``.``/``..``
segments, empty segments (``//``) and a ``%`` left after decoding (double
encoding). Refusing keeps one rule simple: the path policy was checked against is
byte for byte the path the app or the upstream receives.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote_to_bytes

from apiward.guard.problem import Refusal, Rule

# Printable ASCII without '%' or '\': such a path needs no decoding at all.
_PLAIN = re.compile(rb"^/[!-$&-\[\]-~]*$")
_ENCODED_FORBIDDEN = re.compile(rb"%(2[fF]|5[cC]|00)")
_BAD_ESCAPE = re.compile(rb"%(?![0-9a-fA-F]{2})")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\\]")
# What stays unescaped when the canonical path is sent on (RFC 3986 pchar plus '/').
_SAFE = "/:@!$&'()*+,;=-._~"


def canonical_path(raw: bytes) -> str:
    """The one decoded path the guard checks and forwards, or a Refusal."""
    path = _decode(raw) if _PLAIN.match(raw) is None else raw.decode("ascii")
    _check_segments(path)
    return path


def _decode(raw: bytes) -> str:
    if not raw.startswith(b"/"):
        raise Refusal(Rule.PATH_NOT_CANONICAL, "the path must start with '/'")
    if _ENCODED_FORBIDDEN.search(raw):
        raise Refusal(Rule.PATH_NOT_CANONICAL, "the path holds an encoded '/', '\\' or NUL")
    if _BAD_ESCAPE.search(raw):
        raise Refusal(Rule.PATH_NOT_CANONICAL, "the path holds a malformed percent escape")
    try:
        path = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError:
        raise Refusal(Rule.PATH_NOT_CANONICAL, "the path is not valid UTF-8") from None
    if _CONTROL.search(path):
        raise Refusal(Rule.PATH_NOT_CANONICAL, "the path holds control characters or '\\'")
    if "%" in path:
        raise Refusal(Rule.PATH_NOT_CANONICAL, "the path is percent-encoded more than once")
    return path


def _check_segments(path: str) -> None:
    if "//" in path:
        raise Refusal(Rule.PATH_NOT_CANONICAL, "the path holds an empty segment ('//')")
    if "/." in path:
        for segment in path.split("/"):
            if segment in {".", ".."}:
                raise Refusal(Rule.PATH_NOT_CANONICAL, "the path holds a dot-segment")


def encode_path(path: str) -> str:
    """The canonical path percent-encoded for the wire (gateway mode)."""
    return quote(path, safe=_SAFE)
