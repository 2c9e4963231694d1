"""What in an answer is a secret or personal data: shared by the exposure and discovery checks.

A *secret* is data no caller should ever get back, whatever the contract says: password
hashes (bcrypt, argon2, scrypt, crypt, pbkdf2, ``algo$salt$hex`` and ``salt$hex`` forms,
a hex digest in a field named like a password or hash, or any non-empty value of a field
named like a password hash: ``password_hash``, ``hashedPassword``, ``pwd_digest``), plaintext passwords, full card numbers
(brand prefix + Luhn, from :mod:`apiward.core.sensitive`), card security codes,
SSNs, private keys. *Credentials* — tokens, API keys, signing secrets — are secrets too,
but an API may hand them out on purpose (a login answer, a new API key), so they count
only where the contract does not declare them (``declared=False``). Field names alone
never make a secret of an empty or low-entropy value, and a value the contract itself
gives as an ``example``, ``default``, ``enum`` or ``const`` (:func:`contract_values`) is
public by definition: an API answering its own documented example token leaks nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from apiward.core.sensitive import DataClass, classify_value, entropy
from apiward.scan.fields import is_password, tokens
from apiward.spec import Api

_HASHES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("bcrypt hash", re.compile(r"^\$2[abxy]?\$\d{2}\$[./A-Za-z0-9]{53}$")),
    ("argon2 hash", re.compile(r"^\$argon2(id|i|d)\$")),
    ("scrypt hash", re.compile(r"^\$(scrypt|7)\$")),
    ("crypt(3) hash", re.compile(r"^\$(1|5|6|y|gy|sha1|md5)\$[^$]+\$")),
    ("pbkdf2 hash", re.compile(r"^(pbkdf2[_:-]?sha\d*|pbkdf2)[$:]", re.IGNORECASE)),
    ("salted hex digest", re.compile(r"^[A-Za-z0-9./+]{4,64}\$[0-9a-fA-F]{32,128}$")),
    # Django's ``pbkdf2_sha256$iterations$salt$hash``, Werkzeug's and home-made
    # ``sha256$salt$hex`` forms: an algorithm name, then a salt, then the digest.
    (
        "salted hash",
        re.compile(
            r"^(sha\d*|md5|pbkdf2[\w:-]*|scrypt[\w:-]*|bcrypt[\w-]*|argon2\w*)"
            r"(\$[^$\s]+){1,3}\$[0-9a-zA-Z./+=]{22,}$",
            re.IGNORECASE,
        ),
    ),
)
# Printed in groups of four with a brand's prefix: a card number even when the issuer's
# test numbers fail the Luhn check (which a bare run of digits must pass).
_GROUPED_CARD = re.compile(r"^(?=4|5[1-5]|2[2-7]|3[47]|6)\d{4}([ -]\d{4}){2,3}([ -]?\d{1,3})?$")
_HEX_DIGEST = re.compile(r"^[0-9a-fA-F]{32,128}$")
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
_HASHY_NAME = re.compile(r"pass|pwd|hash|digest|crypt", re.IGNORECASE)
_PASSWORD_NAME = re.compile(r"^(pass(word|wd|phrase)?|pwd)$", re.IGNORECASE)
# password_hash, passwordHash, hashed_password, pwd_hash, encrypted_password, passwd_digest:
# whatever format the value has, a field named so holds a stored password.
_PASSWORD_HASH_NAME = re.compile(
    r"^_?(pass(word|wd)?|pwd)[_-]?(hash(ed)?|digest|crypt(ed)?|enc(rypted)?)$|"
    r"^_?(hash(ed)?|digest|crypt(ed)?|enc(rypted)?)[_-]?(pass(word|wd)?|pwd)$",
    re.IGNORECASE,
)
_CVV_NAME = re.compile(r"^(cvv2?|cvc2?|cid|security_?code|card_?code)$", re.IGNORECASE)
_CREDENTIAL_NAME = re.compile(
    r"token|secret|api_?key|apikey|access_?key|private_?key|signing|session_?id|"
    r"client_?secret|jwt|bearer|credential|"
    # a key a thing authenticates with: the Tornado trial's ``device_key`` (its MQTT login)
    r"(device|mqtt|shared|master|encryption|hmac|auth|app|client|webhook)_?key$",
    re.IGNORECASE,
)
_PERSONAL_NAME = re.compile(
    r"e_?mail|phone|mobile|address|street|city|zip|postal|birth|dob|ssn|social|"
    r"passport|national|tax_?id|iban|account_?num|balance|salary|income|gender|"
    r"(full|first|last|given|family|real)_?name|ip_?addr|location|geo|"
    r"note|comment|internal|staff|private|risk|score|flag|audit",
    re.IGNORECASE,
)
NATIONAL_ID = "social security number"
_BY_VALUE = {
    DataClass.CARD: "full card number",
    DataClass.NATIONAL_ID: NATIONAL_ID,
    DataClass.JWT: "JSON Web Token",
    DataClass.API_KEY: "API key",
}
CREDENTIAL_KINDS = frozenset({"JSON Web Token", "API key", "credential"})
"""Secrets an API may hand out on purpose (to their owner): counted only where undeclared."""
MIN_SECRET_ENTROPY = 3.0
MIN_SECRET_LENGTH = 16


def secret_kind(name: str, value: Any, *, declared: bool) -> str | None:
    """What secret ``value`` (in a field called ``name``) is, or None."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    text = str(value).strip()
    if not text:
        return None
    kind = _always_secret(name, text)
    if kind is None and not declared:
        kind = _credential(name, text)
    if kind in CREDENTIAL_KINDS and declared:
        return None
    return kind


def _always_secret(name: str, text: str) -> str | None:
    for label, pattern in _HASHES:
        if pattern.match(text):
            return label
    if _PASSWORD_HASH_NAME.match(name):
        return "password hash"
    if _HASHY_NAME.search(name) and _HEX_DIGEST.match(text):
        return "hex digest"
    if _PASSWORD_NAME.match(name):
        return "plaintext password"
    if _CVV_NAME.match(name) and text.isdigit() and 3 <= len(text) <= 4:
        return "card security code"
    if _GROUPED_CARD.match(text):
        return "full card number"
    if _PRIVATE_KEY.search(text):
        return "private key"
    found = classify_value(text)
    return _BY_VALUE.get(found) if found is not None else None


def _credential(name: str, text: str) -> str | None:
    if not _CREDENTIAL_NAME.search(name) or len(text) < MIN_SECRET_LENGTH or " " in text:
        return None
    return "credential" if entropy(text) >= MIN_SECRET_ENTROPY else None


def is_personal(name: str) -> bool:
    """True when a field named ``name`` likely holds personal or staff-only data."""
    return _PERSONAL_NAME.search(name) is not None


def secrets_in(
    data: Any, *, path: str = "", public: frozenset[str] = frozenset()
) -> Iterator[tuple[str, str]]:
    """Every ``(path, kind)`` of a secret anywhere in ``data`` (nothing declared).

    Values in ``public`` (the contract's own examples: :func:`contract_values`) are not secrets.
    """
    if isinstance(data, dict):
        for key, value in data.items():
            where = f"{path}.{key}" if path else str(key)
            kind = secret_kind(str(key), value, declared=False)
            if kind is not None and str(value).strip() not in public:
                yield where, kind
            yield from secrets_in(value, path=where, public=public)
    elif isinstance(data, list):
        for item in data:
            yield from secrets_in(item, path=f"{path}[]", public=public)


_GIVEN = ("example", "examples", "default", "enum", "const", "x-example")


_KNOWN: dict[int, tuple[Api, frozenset[str]]] = {}
"""By ``id``: the model is frozen but not hashable; keeping the Api keeps its id unique."""


def contract_values(api: Api) -> frozenset[str]:
    """Every string the contract gives as an example, default, enum or const value."""
    known = _KNOWN.get(id(api))
    if known is None or known[0] is not api:
        if len(_KNOWN) >= 8:
            _KNOWN.clear()
        known = _KNOWN[id(api)] = (api, _collect(api))
    return known[1]


def _collect(api: Api) -> frozenset[str]:
    found: set[str] = set()
    schemas: list[Any] = list(api.schemas.values())
    for op in api.operations:
        schemas += [p.schema for p in op.parameters]
        if op.request_body is not None:
            schemas += list(op.request_body.content.values())
        for response in op.responses.values():
            schemas += [*response.content.values(), *response.headers.values()]
    for schema in schemas:
        _given(schema, found, given=False, depth=0)
    return frozenset(found)


def _given(node: Any, found: set[str], *, given: bool, depth: int) -> None:
    """Collect the scalars under ``example``-like keys of a schema tree (bounded depth)."""
    if depth > 40:
        return
    if isinstance(node, dict):
        for key, value in node.items():
            _given(value, found, given=given or key in _GIVEN, depth=depth + 1)
    elif isinstance(node, list | tuple):
        for item in node:
            _given(item, found, given=given, depth=depth + 1)
    elif given and isinstance(node, str | int) and not isinstance(node, bool):
        found.add(str(node).strip())


# In a configuration's answer a field named like a secret holds the secret itself, short or
# weak as it may be ("secret" as a JWT key is the worst kind): its name is enough there.
_KEYISH = re.compile(
    r"(^|_)(token|credentials?|apikey|(api|private|secret|signing|encryption|master|app|hmac|"
    r"access|client|device|mqtt|webhook|shared|auth)_key)(_|$)"
)
_SHOWN = {"public", "publishable", "site", "csrf", "xsrf", "example", "sample", "placeholder"}
"""Words that make a key or token one handed to browsers or given as an illustration."""
_ABOUT = {
    "name", "names", "id", "path", "file", "filename", "dir", "ttl", "expiry", "expires",
    "expiration", "lifetime", "age", "length", "len", "min", "max", "size", "count", "url",
    "uri", "endpoint", "header", "cookie", "type", "algorithm", "alg", "provider", "store",
    "backend", "rotation", "enabled", "required", "policy", "format", "version", "arn",
    "ref", "source", "scope", "scopes", "prefix", "field", "param", "location", "mode",
}  # fmt: skip
"""Last words of a name that speak *about* a secret (``token_ttl``, ``password_policy``)."""
_MASKED = re.compile(
    r"^[*xX•#.\s_-]+$|redact|mask|hidden|filtered|\*{3}|^<.*>$|^\$\{.*\}$|^\{\{.*\}\}$|"
    r"^(true|false|yes|no|on|off|none|null|nil|set|unset|n/?a|enabled|disabled|undefined)$",
    re.IGNORECASE,
)
_URL_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s:@]+:([^/\s@]+)@", re.IGNORECASE)


def config_secrets(
    data: Any, *, public: frozenset[str] = frozenset()
) -> list[tuple[str, str, str]]:
    """``(path, kind, value)`` of every secret in a configuration-like answer, by path.

    Those :func:`secrets_in` finds, and also any unmasked string in a field named like a
    secret (``jwtSecret``, ``DB_PASSWORD``, ``api_key``, ``token``: not ``public_key``,
    ``csrf_token``, ``token_ttl``), or a URL carrying a password; a ``{"name": n,
    "value": v}`` pair or a ``{"value": v}`` wrapper (Spring's ``/actuator/env``) counts as
    the field ``n`` or its key. Never a value of ``public`` (the contract's examples).
    """
    found = dict(secrets_in(data, public=public))
    values = {path: str(value).strip() for path, _, value in _named(data)}
    for path, name, value in _named(data):
        text = value.strip() if isinstance(value, str) else ""
        if not text or path in found or text in public or _MASKED.search(text):
            continue
        password = _URL_PASSWORD.match(text)
        if password and not _MASKED.search(password[1]):
            found[path] = "a password in a URL"
        elif secret_named(name):
            found[path] = "named like a secret"
    return sorted((path, kind, values.get(path, "")) for path, kind in found.items())


def secret_named(name: str) -> bool:
    """True for a field named like a secret (``api_key``, ``token``; not ``public_key``, ``key_id``)."""
    words = tokens(name)
    snake = "_".join(words)
    if not words or words[-1] in _ABOUT or _SHOWN & set(words):
        return False
    return is_password(name) or bool(_KEYISH.search(snake))


def _named(data: Any, path: str = "") -> Iterator[tuple[str, str, Any]]:
    """``(path, name, value)`` of every field, with name/value pairs read as one field."""
    if isinstance(data, list):
        for item in data:
            yield from _named(item, f"{path}[]")
        return
    if not isinstance(data, dict):
        return
    label = data.get("name", data.get("key"))
    if isinstance(label, str) and "value" in data:
        yield f"{path}.{label}" if path else label, label, data["value"]
    for key, value in data.items():
        where = f"{path}.{key}" if path else str(key)
        wrapped = value.get("value") if isinstance(value, dict) else None
        yield where, str(key), wrapped if wrapped is not None else value
        yield from _named(value, where)
