"""What a mechanism establishes (an :class:`Identity`) and the two ways it can fail.

Mechanisms raise :class:`Invalid` (the credential is wrong: 401, the reason kept for
the audit log, never told to the client) or :class:`Unavailable` (the credential
cannot be checked right now, e.g. the JWKS endpoint is down: 503).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from apiward.guard.authn.config import IdentityClaims


class Invalid(Exception):  # noqa: N818 - an outcome, not a programming error
    """The credential is not valid; the message is for the audit log only."""


class Unavailable(Exception):  # noqa: N818
    """The credential cannot be verified right now (an IdP or key source is down)."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Identity:
    """Who the request is: principal, claims (never the credential), roles and scopes."""

    principal: str
    claims: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    expires: float | None = None


def claim_at(claims: Mapping[str, Any], path: str) -> Any:
    """The value at a claim name, or a dotted path such as ``realm_access.roles``."""
    if path in claims:
        return claims[path]
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def names(value: Any) -> frozenset[str]:
    """A space-separated string (``scope``) or a list of strings (``scp``, ``roles``)."""
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list | tuple):
        return frozenset(item for item in value if isinstance(item, str))
    return frozenset()


def identity_of(claims: Mapping[str, Any], where: IdentityClaims) -> Identity:
    """Principal, roles and scopes read from verified claims as the policy says."""
    principal = claim_at(claims, where.principal_claim)
    if not isinstance(principal, str) or not principal:
        raise Invalid(f"no {where.principal_claim} claim")
    exp = claims.get("exp")
    return Identity(
        principal=principal,
        claims=MappingProxyType(dict(claims)),
        roles=names(claim_at(claims, where.roles_claim)),
        scopes=names(claim_at(claims, where.scopes_claim)),
        expires=float(exp) if isinstance(exp, int | float) else None,
    )
