"""Content codings the response stage undoes to inspect an answer, and redoes after.

``gzip`` (and ``x-gzip``), ``deflate`` (zlib-wrapped, or raw as some servers send
it), ``br`` (through the ``brotli`` package) and ``identity``. Decoding stops at
``limit`` bytes of output, so a small compressed answer cannot unpack into a large
one in the guard's memory. Anything else (``zstd``, ``compress``, an unknown token,
a corrupt or truncated stream) raises :class:`Uninspectable`: the response stage
then refuses to pass the answer on, since it cannot know what the answer says.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable, Iterable

import brotli


class Uninspectable(Exception):  # noqa: N818 - an outcome for the answer, not a bug
    """The answer's body cannot be decoded; ``reason`` says why in a few words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _zlib(body: bytes, limit: int, wbits: int) -> bytes:
    decoder = zlib.decompressobj(wbits)
    try:
        out = decoder.decompress(body, limit + 1)
    except zlib.error:
        raise Uninspectable("corrupt compressed body") from None
    if len(out) > limit:
        raise Uninspectable(f"decodes to more than {limit} bytes")
    if not decoder.eof or decoder.unused_data:
        raise Uninspectable("truncated or trailing compressed data")
    return out


def _gunzip(body: bytes, limit: int) -> bytes:
    return _zlib(body, limit, 16 + zlib.MAX_WBITS)


def _inflate(body: bytes, limit: int) -> bytes:
    # RFC 9110 deflate is zlib-wrapped; some servers send raw deflate, which clients accept too.
    if body[:1] and (body[0] & 0x0F) == 8 and int.from_bytes(body[:2], "big") % 31 == 0:
        return _zlib(body, limit, zlib.MAX_WBITS)
    return _zlib(body, limit, -zlib.MAX_WBITS)


def _unbrotli(body: bytes, limit: int) -> bytes:
    decoder = brotli.Decompressor()
    try:
        # brotli >= 1.2 takes output_buffer_limit; brotli-stubs 1.2.1 does not list it yet.
        out = decoder.process(body, output_buffer_limit=limit + 1)  # type: ignore[call-arg]
    except brotli.error:
        raise Uninspectable("corrupt compressed body") from None
    if len(out) > limit:
        raise Uninspectable(f"decodes to more than {limit} bytes")
    if not decoder.is_finished():
        raise Uninspectable("truncated or trailing compressed data")
    return out


Decoder = Callable[[bytes, int], bytes]
Encoder = Callable[[bytes], bytes]

_CODINGS: dict[bytes, tuple[Decoder, Encoder]] = {
    b"gzip": (_gunzip, lambda body: gzip.compress(body, mtime=0)),
    b"x-gzip": (_gunzip, lambda body: gzip.compress(body, mtime=0)),
    b"deflate": (_inflate, zlib.compress),
    b"br": (_unbrotli, brotli.compress),
}


def codings(values: Iterable[bytes]) -> tuple[bytes, ...]:
    """The codings Content-Encoding ``values`` name, in the order applied (identity left out)."""
    return tuple(
        token
        for value in values
        for token in (part.strip().lower() for part in value.split(b","))
        if token and token != b"identity"
    )


def decode(body: bytes, applied: tuple[bytes, ...], limit: int) -> bytes:
    """The body with every coding undone (last applied, first undone); Uninspectable if not."""
    for coding in reversed(applied):
        known = _CODINGS.get(coding)
        if known is None:
            raise Uninspectable(f"content coding {coding.decode('latin-1')!r} is not supported")
        body = known[0](body, limit)
    if len(body) > limit:
        raise Uninspectable(f"more than {limit} bytes")
    return body


def encode(body: bytes, applied: tuple[bytes, ...]) -> bytes:
    """The body with ``applied`` codings redone, in order (each one :func:`decode` undid)."""
    for coding in applied:
        body = _CODINGS[coding][1](body)
    return body
