"""Security schemes and requirements, with Swagger 2.0 names mapped onto OpenAPI 3.

Swagger's ``basic`` becomes ``http``/``basic``; its OAuth 2 flow names
(implicit, password, application, accessCode) become the 3.x names (implicit,
password, clientCredentials, authorizationCode).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apiward.core.errors import SpecError
from apiward.spec.documents import DanglingRefError, Documents, Node
from apiward.spec.model import (
    OAuthFlow,
    ParameterLocation,
    Requirement,
    SecurityScheme,
    frozen,
)

_LOCATIONS = frozenset(loc.value for loc in ParameterLocation)

SWAGGER_FLOWS = {
    "implicit": "implicit",
    "password": "password",
    "application": "clientCredentials",
    "accessCode": "authorizationCode",
}


def schemes(node: Node, documents: Documents) -> dict[str, SecurityScheme]:
    """The security schemes declared at ``node`` (securitySchemes or securityDefinitions)."""
    if node.value is None:
        return {}
    _require(node, dict, "a mapping", documents)
    found: dict[str, SecurityScheme] = {}
    for name in node.value:
        try:
            item = documents.resolve(node.child(name))
        except DanglingRefError as error:
            documents.dangling(error)
            continue
        if isinstance(item.value, dict):
            found[name] = scheme(str(name), item.value)
    return found


def scheme(name: str, raw: Mapping[str, Any]) -> SecurityScheme:
    """One security scheme object (2.0 or 3.x) in the 3.x vocabulary."""
    kind = str(raw.get("type", ""))
    flows: dict[str, OAuthFlow] = {}
    if kind == "basic":
        return SecurityScheme(
            name=name, type="http", scheme="basic", description=_text(raw, "description")
        )
    if kind == "oauth2" and "flow" in raw:
        flow = SWAGGER_FLOWS.get(str(raw["flow"]), str(raw["flow"]))
        flows[flow] = _flow(raw)
    elif kind == "oauth2" and isinstance(raw.get("flows"), dict):
        flows = {str(k): _flow(v) for k, v in raw["flows"].items() if isinstance(v, dict)}
    location = raw.get("in") if isinstance(raw.get("in"), str) else None
    return SecurityScheme(
        name=name,
        type=kind,
        description=_text(raw, "description"),
        scheme=str(raw["scheme"]).lower() if "scheme" in raw else None,
        bearer_format=_optional(raw, "bearerFormat"),
        location=ParameterLocation(location) if location in _LOCATIONS else None,
        parameter_name=_optional(raw, "name") if kind == "apiKey" else None,
        flows=frozen(flows),
        openid_connect_url=_optional(raw, "openIdConnectUrl"),
    )


def _flow(raw: Mapping[str, Any]) -> OAuthFlow:
    scopes = raw.get("scopes")
    return OAuthFlow(
        authorization_url=_optional(raw, "authorizationUrl"),
        token_url=_optional(raw, "tokenUrl"),
        refresh_url=_optional(raw, "refreshUrl"),
        scopes=frozen(
            {str(k): str(v) for k, v in scopes.items()} if isinstance(scopes, dict) else {}
        ),
    )


def requirements(node: Node, documents: Documents) -> tuple[Requirement, ...] | None:
    """A security requirement list; None when absent, ``()`` when explicitly public."""
    if node.value is None:
        return None
    _require(node, list, "a list", documents)
    alternatives: list[Requirement] = []
    for i, alternative in enumerate(node.value):
        _require(node.child(i), dict, "a mapping", documents)
        alternatives.append(
            frozen(
                {
                    str(name): tuple(str(s) for s in scopes) if isinstance(scopes, list) else ()
                    for name, scopes in alternative.items()
                }
            )
        )
    return tuple(alternatives)


def _require(node: Node, kind: type, what: str, documents: Documents) -> None:
    if not isinstance(node.value, kind):
        raise SpecError(
            f"must be {what}, not {type(node.value).__name__}",
            source=documents.name(node.uri),
            pointer=node.pointer,
        )


def _text(raw: Mapping[str, Any], key: str) -> str:
    value = raw.get(key)
    return value if isinstance(value, str) else ""


def _optional(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    return str(value) if value is not None else None
