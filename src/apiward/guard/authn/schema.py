"""The JSON Schema of the policy's ``authentication`` section (checked on load)."""

from __future__ import annotations

from typing import Any

from apiward.guard.storage import PATTERN as STORAGE_PATTERN

_NAMES = {"type": "array", "items": {"type": "string", "minLength": 1}}
_POSITIVE = {"type": "integer", "minimum": 1}
_ENV = {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"}
_IDENTITY = {
    "principal_claim": {"type": "string", "minLength": 1},
    "roles_claim": {"type": "string", "minLength": 1},
    "scopes_claim": {"type": "string", "minLength": 1},
}

_JWT: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["algorithms"],
    "properties": {
        "issuer": {"type": "string", "minLength": 1},
        "audiences": {**_NAMES, "minItems": 1},
        "algorithms": {
            "type": "array",
            "minItems": 1,
            "items": {
                "enum": [
                    *("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"),
                    *("ES256", "ES384", "ES512", "EdDSA", "Ed25519"),
                    *("HS256", "HS384", "HS512"),
                ]
            },
        },
        "jwks_url": {"type": "string", "pattern": "^https?://"},
        "discovery": {"type": "string", "pattern": "^https?://"},
        "secret_env": _ENV,
        "allow_private": {"type": "boolean"},
        "leeway": {"type": "integer", "minimum": 0, "maximum": 60},
        "required_claims": _NAMES,
        "typ": {"type": "string", "minLength": 1},
        "max_token_bytes": {"type": "integer", "minimum": 256, "maximum": 65536},
        "jwks_ttl": _POSITIVE,
        "jwks_refresh_interval": _POSITIVE,
        "jwks_unavailable": {"enum": ["refuse", "use-cached"]},
        **_IDENTITY,
    },
    # Exactly one key source; an IdP's keys also sign tokens for other APIs, so with a
    # JWKS the exact issuer and this API's audience are required (RFC 8725 §3.9).
    "oneOf": [
        {"required": ["jwks_url", "issuer", "audiences"]},
        {"required": ["discovery", "issuer", "audiences"]},
        {"required": ["secret_env"]},
    ],
}

_INTROSPECTION: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["endpoint", "client_id_env", "client_secret_env"],
    "properties": {
        "endpoint": {"type": "string", "pattern": "^https?://"},
        "client_id_env": _ENV,
        "client_secret_env": _ENV,
        "issuer": {"type": "string", "minLength": 1},
        "audiences": _NAMES,
        "cache_ttl": _POSITIVE,
        "allow_private": {"type": "boolean"},
        "max_token_bytes": {"type": "integer", "minimum": 16, "maximum": 65536},
        **_IDENTITY,
    },
}

_API_KEYS: dict[str, Any] = {
    "type": "array",
    "minItems": 1,
    "items": {
        "type": "object",
        "additionalProperties": False,
        "required": ["name", "sha256"],
        "properties": {
            "name": {"type": "string", "minLength": 1},
            "sha256": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "roles": _NAMES,
            "scopes": _NAMES,
        },
    },
}

_SIGNATURES: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["keys"],
    "properties": {
        "keys": {
            "type": "object",
            "minProperties": 1,
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "required": ["secret_env", "principal"],
                "properties": {
                    "secret_env": _ENV,
                    "principal": {"type": "string", "minLength": 1},
                    "roles": _NAMES,
                    "scopes": _NAMES,
                },
            },
        },
        "max_age": {"type": "integer", "minimum": 1, "maximum": 900},
        "nonce_storage": {"type": "string", "pattern": STORAGE_PATTERN},
        "components": _NAMES,
    },
}

_STEP_UP: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["operations"],
    "properties": {
        "operations": {
            "type": "array",
            "items": {"type": "string", "pattern": "^(GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS) /"},
        },
        "header": {"type": "string", "pattern": "^[A-Za-z0-9-]+$"},
        "secrets_file": {"type": "string", "minLength": 1},
        "secrets_env": _ENV,
        "valid_window": {"type": "integer", "minimum": 0, "maximum": 2},
        "max_failures": _POSITIVE,
        "lockout": _POSITIVE,
    },
    "oneOf": [{"required": ["secrets_file"]}, {"required": ["secrets_env"]}],
}

AUTHN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "enabled": {"type": "boolean"},
        "schemes": {
            "type": "object",
            "additionalProperties": {
                "type": "object",
                "additionalProperties": False,
                "minProperties": 1,
                "maxProperties": 1,
                "properties": {
                    "jwt": _JWT,
                    "introspection": _INTROSPECTION,
                    "api_keys": _API_KEYS,
                    "signatures": _SIGNATURES,
                },
            },
        },
        "step_up": _STEP_UP,
    },
}
