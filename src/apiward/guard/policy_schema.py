"""The JSON Schema of the policy file itself: checked on load, before anything is built."""

from __future__ import annotations

from typing import Any

from apiward.guard.authn.schema import AUTHN_SCHEMA
from apiward.guard.storage import PATTERN as STORAGE_PATTERN
from apiward.guard.vocabulary import Decision, Location, Signature, Strings, Unknown, words

_LIMITS: dict[str, Any] = {"type": "array", "items": {"type": "string"}}
_OPERATION_MAP = {
    "type": "object",
    "propertyNames": {"pattern": "^(GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS|TRACE) /"},
}
_POSITIVE = {"type": "integer", "minimum": 1}
_SWITCH = {"type": "boolean"}
_SECONDS = {"type": "number", "exclusiveMinimum": 0}

_NAMES: dict[str, Any] = {"type": "array", "items": {"type": "string", "minLength": 1}}
_REQUIREMENT = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {"roles": _NAMES, "scopes": _NAMES},
}
_HOOK = {"type": "string", "minLength": 1}
_OWNERSHIP = {
    "type": "object",
    "additionalProperties": False,
    "required": ["operation", "param"],
    "oneOf": [{"required": ["equals_claim"]}, {"required": ["hook"]}],
    "properties": {
        "operation": {"type": "string", "pattern": "^(GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS) /"},
        "param": {
            "type": "object",
            "additionalProperties": False,
            "required": ["in", "name"],
            "properties": {
                "in": words(Location),
                "name": {"type": "string", "minLength": 1},
            },
        },
        "equals_claim": {"type": "string", "minLength": 1},
        "hook": _HOOK,
        "claim": {"type": "string", "minLength": 1},
        "unless_roles": _NAMES,
        "unknown": words(Unknown),
        "on_error": words(Decision),
    },
}
_AUTHORIZATION = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "enabled": _SWITCH,
        "contract_scopes": _SWITCH,
        "operations": {
            "type": "object",
            "propertyNames": {"pattern": "^(\\*|GET|PUT|POST|DELETE|PATCH|HEAD|OPTIONS|TRACE) /"},
            "additionalProperties": _REQUIREMENT,
        },
        "tags": {"type": "object", "additionalProperties": _REQUIREMENT},
        "ownership": {"type": "array", "items": _OWNERSHIP},
        "roles_hook": _HOOK,
        "hook_timeout": {"type": "number", "exclusiveMinimum": 0},
    },
}

POLICY_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "version": {"const": 1},
        "contract": {"type": "string", "minLength": 1},
        "routes": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "unknown": words(Decision),
                "deprecated": words(Decision),
            },
        },
        "transport": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "enabled": _SWITCH,
                "trusted_proxies": {"type": "array", "items": {"type": "string"}},
                "require_https": _SWITCH,
                "hsts_max_age": {"type": "integer", "minimum": 0},
                "max_body_bytes": _POSITIVE,
                "max_headers": _POSITIVE,
                "max_header_bytes": _POSITIVE,
                "max_json_depth": _POSITIVE,
            },
        },
        "authentication": AUTHN_SCHEMA,
        "authorization": _AUTHORIZATION,
        "ratelimit": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "enabled": _SWITCH,
                "storage": {"type": "string", "pattern": STORAGE_PATTERN},
                "fail_open": _SWITCH,
                "limits": _LIMITS,
                "operations": {**_OPERATION_MAP, "additionalProperties": _LIMITS},
                "credential_exchange": _LIMITS,
                "ban": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["after", "within", "duration"],
                    "properties": {"after": _POSITIVE, "within": _POSITIVE, "duration": _POSITIVE},
                },
            },
        },
        "validate": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "enabled": _SWITCH,
                "unknown_properties": words(Decision),
                "read_only": words(Decision),
                "unknown_query": words(Decision),
                "formats": words(Decision),
                "strings": words(Strings),
                "max_string_length": _POSITIVE,
            },
        },
        "deadline": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "enabled": _SWITCH,
                "seconds": _SECONDS,
                "operations": {**_OPERATION_MAP, "additionalProperties": _SECONDS},
            },
        },
        "injection": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "enabled": _SWITCH,
                "signatures": {"type": "array", "items": words(Signature)},
                "skip": {**_OPERATION_MAP, "additionalProperties": _NAMES},
            },
        },
        "credential_failures": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "enabled": _SWITCH,
                "statuses": {
                    "type": "array",
                    "items": {"type": "integer", "minimum": 400, "maximum": 599},
                },
                "operations": {
                    "type": "array",
                    "items": {"type": "string", "pattern": "^[A-Z]+ /"},
                },
            },
        },
        "ssrf": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "enabled": _SWITCH,
                "inputs": {
                    **_OPERATION_MAP,
                    "additionalProperties": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
        "response": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "enabled": _SWITCH,
                "filter": _SWITCH,
                "security_headers": {
                    "oneOf": [
                        _SWITCH,
                        {
                            "type": "object",
                            "propertyNames": {"pattern": "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$"},
                            "additionalProperties": {"type": "string", "pattern": "^[\\t -~]*$"},
                        },
                    ]
                },
                "hide_errors": _SWITCH,
                "content_digest": _SWITCH,
                "max_decoded_bytes": _POSITIVE,
                "cors": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "allow_origins": {"type": "array", "items": {"type": "string"}},
                        "allow_methods": {"type": "array", "items": {"type": "string"}},
                        "allow_headers": {"type": "array", "items": {"type": "string"}},
                        "allow_credentials": _SWITCH,
                        "max_age": {"type": "integer", "minimum": 0},
                    },
                },
            },
        },
        "audit": {
            "type": "object",
            "additionalProperties": False,
            "not": {"required": ["key_file", "key_env"]},
            "properties": {
                "enabled": _SWITCH,
                "sink": {"type": "string", "minLength": 1},
                "key_file": {"type": "string", "minLength": 1},
                "key_env": {"type": "string", "minLength": 1},
                "checkpoint_every": _POSITIVE,
                "anchor": {"type": "string", "pattern": "^rediss?://"},
                "anchor_name": {"type": "string", "minLength": 1},
                "alerts": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["name", "reason", "threshold", "window"],
                        "properties": {
                            "name": {"type": "string", "minLength": 1},
                            "reason": {"type": "string", "minLength": 1},
                            "operation": {"type": "string", "pattern": "^[A-Z]+ /"},
                            "threshold": _POSITIVE,
                            "window": _POSITIVE,
                            "ban": {"type": "integer", "minimum": 0},
                        },
                    },
                },
            },
        },
    },
}
