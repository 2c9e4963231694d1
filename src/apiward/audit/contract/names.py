"""What names and schemas say about data: secrets, personal data, URLs, ids, types.

Heuristics over property and parameter names, shared by the rules and the risk score.
Names are split into words first (``avatarURL``, ``avatar_url`` and ``avatar-url`` all
read as ``avatar url``) so patterns match words, not substrings: ``tokenizer`` is
not a token, ``pinned`` is not a PIN.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_SEPARATORS = re.compile(r"[^A-Za-z0-9]+")

_CREDENTIAL = re.compile(
    r"^(?:.* )?(?:password|passwd|pwd|passphrase|secret|client secret|api ?key|apikey"
    r"|private key|access key|secret key|(?:access |refresh |id |auth |bearer |session |api )?token"
    r"|password hash|otp|totp secret|pin code)$"
)
_CARD = re.compile(r"^(?:.* )?(?:card ?number|card no|pan|cvv|cvv2|cvc|cvc2|security code)$")
_NATIONAL = re.compile(
    r"^(?:.* )?(?:ssn|social security(?: number)?|national id|tax id|passport(?: number)?)$"
)
# Words that make a name *about* a secret without holding one: a page token, the
# type of a token, when a password expires, how many tokens a prompt used.
_NOT_SECRET = re.compile(
    r"\b(?:page|next|prev|previous|continuation|cursor|sync|type|types|count|max|min|limit"
    r"|usage|url|uri|endpoint|expires|expiry|expiration|expire|prompt|completion|total|policy"
    r"|length|hint|required|enabled|set|changed|reset|last|id|ids|name|format"
    r"|prefix|masked|last4|scope|scopes|ttl|lifetime|validity|strength|status|rotation|rotated)\b"
)
_PERSONAL = re.compile(
    r"^(?:.* )?(?:email|e mail|phone|phone number|mobile|birth ?date|date of birth|dob"
    r"|iban|account number|address|street|postcode|zip ?code|salary|first name|last name)$"
)
_URL_NAME = re.compile(r"^(?:.* )?(?:url|uri|urls|uris|link|callback|webhook|hook|redirect)$")
URL_FORMATS = frozenset({"uri", "url", "iri", "uri-reference", "iri-reference", "uri-template"})
_ID = re.compile(r"^(?:.* )?id$")
# Parameter names that carry a credential without saying "token" or "secret": the
# ``Authorization`` header, Google-style ``key``, Azure's subscription keys...
_KEY_PARAMETER = re.compile(
    r"^(?:x )?(?:authorization|auth|key"
    r"|(?:app|user|subscription|auth|access|client|license|developer|account) key)$"
)


def words(name: str) -> str:
    """``avatarURL`` → ``avatar url``: lower-case words separated by one space."""
    return " ".join(_SEPARATORS.sub(" ", _CAMEL.sub(" ", name)).lower().split())


def secret_kind(name: str) -> str | None:
    """``credential``, ``card`` or ``national id`` when ``name`` names such a secret."""
    text = words(name)
    if not text or _NOT_SECRET.search(text):
        return None
    if _CARD.match(text):
        return "card"
    if _NATIONAL.match(text):
        return "national id"
    return "credential" if _CREDENTIAL.match(text) else None


def credential_named(name: str, *, in_path: bool = False) -> bool:
    """True when a parameter ``name`` carries a credential (``apiKey``, ``Api-Key``, ``token``, ``key``).

    In a path, ``key`` and ``Authorization`` are not credentials (S3's ``/{Bucket}/{Key}``).
    """
    if secret_kind(name) == "credential":
        return True
    return not in_path and bool(_KEY_PARAMETER.match(words(name)))


def is_personal(name: str) -> bool:
    """True when ``name`` names personal data (contact, identity, money) or a secret."""
    return secret_kind(name) is not None or bool(_PERSONAL.match(words(name)))


def url_named(name: str) -> bool:
    """True when ``name`` says the value is a URL (``avatar_url``, ``callback``, ``webhook``)."""
    text = words(name)
    return bool(_URL_NAME.match(text))


def id_named(name: str) -> bool:
    """True for ``id``, ``userId``, ``account_id``."""
    return bool(_ID.match(words(name)))


def types(schema: Mapping[str, Any]) -> frozenset[str]:
    """The JSON types a schema declares (``null`` left out); empty when it declares none."""
    declared = schema.get("type")
    if isinstance(declared, str):
        return frozenset({declared}) - {"null"}
    if isinstance(declared, list | tuple):
        return frozenset(t for t in declared if isinstance(t, str)) - {"null"}
    return frozenset()
