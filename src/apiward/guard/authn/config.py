"""The ``authentication`` section of the policy as frozen records (the schema is schema.py).

Each contract security scheme the API uses is bound to exactly one mechanism:
``jwt``, ``introspection``, ``api_keys`` or ``signatures``. Secrets never appear
inline: shared secrets and client credentials are named by environment variable,
API keys are stored as SHA-256 digests, TOTP secrets live in a file or variable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from apiward.guard.storage import storage_kind


@dataclass(frozen=True, slots=True, kw_only=True)
class IdentityClaims:
    """Where the principal, roles and scopes are read from (claim names or dotted paths)."""

    principal_claim: str = "sub"
    roles_claim: str = "roles"
    scopes_claim: str = "scope"


@dataclass(frozen=True, slots=True, kw_only=True)
class JwtConfig(IdentityClaims):
    """JWT bearer tokens: keys from a JWKS URL, OIDC discovery or a shared secret."""

    algorithms: tuple[str, ...]
    issuer: str | None = None
    audiences: tuple[str, ...] = ()
    jwks_url: str | None = None
    discovery: str | None = None
    secret_env: str | None = None
    allow_private: bool = False
    leeway: int = 30
    required_claims: tuple[str, ...] = ("exp",)
    typ: str | None = None
    max_token_bytes: int = 8192
    jwks_ttl: int = 3600
    jwks_refresh_interval: int = 30
    jwks_unavailable: str = "refuse"


@dataclass(frozen=True, slots=True, kw_only=True)
class IntrospectionConfig(IdentityClaims):
    """Opaque tokens checked at an RFC 7662 introspection endpoint."""

    endpoint: str
    client_id_env: str
    client_secret_env: str
    issuer: str | None = None
    audiences: tuple[str, ...] = ()
    cache_ttl: int = 60
    allow_private: bool = False
    max_token_bytes: int = 4096


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiKeyEntry:
    """One API key, stored only as the SHA-256 hex digest of the key."""

    name: str
    sha256: str
    roles: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class SignatureKey:
    """One RFC 9421 HMAC key: its secret comes from an environment variable."""

    secret_env: str
    principal: str
    roles: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class SignaturesConfig:
    """HTTP Message Signatures (hmac-sha256) with a required nonce and ``created``."""

    keys: Mapping[str, SignatureKey]
    max_age: int = 300
    nonce_storage: str = "memory://"
    components: tuple[str, ...] = ("@method", "@target-uri")

    def __post_init__(self) -> None:
        storage_kind(self.nonce_storage, pointer="/authentication/signatures/nonce_storage")


@dataclass(frozen=True, slots=True, kw_only=True)
class StepUpConfig:
    """TOTP second factor for the operations marked sensitive."""

    operations: tuple[str, ...]
    header: str = "X-OTP"
    secrets_file: str | None = None
    secrets_env: str | None = None
    valid_window: int = 1
    max_failures: int = 5
    lockout: int = 300


Mechanism = JwtConfig | IntrospectionConfig | tuple[ApiKeyEntry, ...] | SignaturesConfig


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthnPolicy:
    """Contract security scheme name → how it is verified; plus TOTP step-up."""

    enabled: bool = True
    schemes: Mapping[str, Mechanism] = field(default_factory=dict)
    step_up: StepUpConfig | None = None


def authn_policy(raw: Mapping[str, Any], base: Path | None = None) -> AuthnPolicy:
    """Build the section from its validated mapping (file paths relative to ``base``)."""
    schemes = {name: _mechanism(entry) for name, entry in raw.get("schemes", {}).items()}
    step_up = raw.get("step_up")
    return AuthnPolicy(
        enabled=raw.get("enabled", True),
        schemes=schemes,
        step_up=None if step_up is None else _step_up(step_up, base),
    )


def _tuples(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}


def _mechanism(entry: Mapping[str, Any]) -> Mechanism:
    if "jwt" in entry:
        return JwtConfig(**_tuples(entry["jwt"]))
    if "introspection" in entry:
        return IntrospectionConfig(**_tuples(entry["introspection"]))
    if "api_keys" in entry:
        return tuple(ApiKeyEntry(**_tuples(key)) for key in entry["api_keys"])
    raw = dict(entry["signatures"])
    raw["keys"] = {kid: SignatureKey(**_tuples(key)) for kid, key in raw["keys"].items()}
    return SignaturesConfig(**_tuples(raw))


def _step_up(raw: Mapping[str, Any], base: Path | None) -> StepUpConfig:
    values = _tuples(raw)
    path = values.get("secrets_file")
    if path is not None and base is not None:
        values["secrets_file"] = str((base / path).resolve())
    return StepUpConfig(**values)
