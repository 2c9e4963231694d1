"""The guard's policy: what the contract cannot say, in one YAML file read top to bottom.

``Policy.load("apiward.yaml")`` parses the file with a safe loader, validates it
against :data:`~apiward.guard.policy_schema.POLICY_SCHEMA` (errors name the line and
the key), and builds frozen records. ``Policy(...)`` builds the same in Python.
Every section has defaults that protect: unknown routes refused, bodies capped,
rate limits fail closed. ``authentication`` and ``authorization`` belong to their
stages: a policy that asks for one while no such stage is installed fails to load,
so requests are never let through on the belief that they are checked. Authorization
hooks named by bare name in the file come from ``Policy.load(path, hooks={...})``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jsonschema_rs
from limits import parse_many

from apiward.core import yamlfile
from apiward.core.errors import ConfigError
from apiward.core.files import read_text
from apiward.guard.authn.config import AuthnPolicy, authn_policy
from apiward.guard.policy_schema import POLICY_SCHEMA
from apiward.guard.storage import check_redis_url, storage_kind
from apiward.guard.vocabulary import (
    Decision,
    Location,
    Signature,
    Strings,
    Unknown,
    choose,
    choose_each,
)
from apiward.spec.parse import compose, line_of


@dataclass(frozen=True, slots=True, kw_only=True)
class RoutesPolicy:
    """Which requests reach the pipeline at all."""

    unknown: Decision = Decision.REFUSE
    deprecated: Decision = Decision.ALLOW

    def __post_init__(self) -> None:
        choose(self, "unknown", Decision, "/routes/unknown")
        choose(self, "deprecated", Decision, "/routes/deprecated")


@dataclass(frozen=True, slots=True, kw_only=True)
class TransportPolicy:
    """Client identity and transport limits."""

    enabled: bool = True
    trusted_proxies: tuple[str, ...] = ()
    require_https: bool = False
    hsts_max_age: int = 31536000
    max_body_bytes: int = 1 << 20
    max_headers: int = 100
    max_header_bytes: int = 16384
    max_json_depth: int = 32


@dataclass(frozen=True, slots=True, kw_only=True)
class BanPolicy:
    """Ban a client for ``duration`` s after ``after`` violations within ``within`` s."""

    after: int
    within: int
    duration: int


@dataclass(frozen=True, slots=True, kw_only=True)
class RateLimitPolicy:
    """Rate limits per client and per operation template, several windows at once."""

    enabled: bool = True
    storage: str = "memory://"
    fail_open: bool = False
    limits: tuple[str, ...] = ("50/second", "100000/day")
    operations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    credential_exchange: tuple[str, ...] = ()
    """Limits for every operation that exchanges credentials (logins, token URLs, password
    bodies), unless ``operations`` names it; empty: they get ``limits`` like the rest."""
    ban: BanPolicy | None = None


HookRef = Any
"""An authorization hook: an import path ``"module:attr"``, a name in ``hooks``, or the hook."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Requirement:
    """What calling an operation takes: one of ``roles`` (if any) and all of ``scopes``."""

    roles: tuple[str, ...] = ()
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ParamRef:
    """A request value: ``location`` is path, query, header or body (a name or a /pointer)."""

    location: Location
    name: str

    def __post_init__(self) -> None:
        choose(self, "location", Location, "/authorization/ownership/param/in")


@dataclass(frozen=True, slots=True, kw_only=True)
class OwnershipRule:
    """The object a parameter names must belong to the caller (BOLA), unless a role says so.

    Either ``equals_claim`` (the value must equal that claim) or ``hook`` (an async
    ``owner(ctx, value)`` whose answer must equal the principal, or ``claim``).
    """

    operation: str
    param: ParamRef
    equals_claim: str | None = None
    hook: HookRef = None
    claim: str | None = None
    unless_roles: tuple[str, ...] = ()
    unknown: Unknown = Unknown.REFUSE
    on_error: Decision = Decision.REFUSE

    def __post_init__(self) -> None:
        choose(self, "unknown", Unknown, "/authorization/ownership/unknown")
        choose(self, "on_error", Decision, "/authorization/ownership/on_error")
        if (self.equals_claim is None) == (self.hook is None):
            raise ConfigError(
                f"ownership rule for {self.operation}: give exactly one of equals_claim or hook"
            )


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorizationPolicy:
    """Function-level requirements (BFLA) and object ownership rules (BOLA)."""

    enabled: bool = True
    contract_scopes: bool = True
    operations: Mapping[str, Requirement] = field(default_factory=dict)
    tags: Mapping[str, Requirement] = field(default_factory=dict)
    ownership: tuple[OwnershipRule, ...] = ()
    roles_hook: HookRef = None
    hooks: Mapping[str, Any] = field(default_factory=dict)
    hook_timeout: float | None = None
    hook_folder: Path | None = None
    """Where hook modules are looked for before the import path: the policy file's folder."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidatePolicy:
    """Requests checked against the contract's schemas."""

    enabled: bool = True
    unknown_properties: Decision = Decision.REFUSE
    read_only: Decision = Decision.REFUSE
    unknown_query: Decision = Decision.REFUSE
    formats: Decision = Decision.REFUSE
    """Values that break their schema's ``format`` (email, uuid, date-time, uri...)."""
    strings: Strings = Strings.REFUSE_UNSAFE
    max_string_length: int | None = None
    """A cap for every string input whose schema has no ``maxLength`` (None: no cap)."""

    def __post_init__(self) -> None:
        for name in ("unknown_properties", "read_only", "unknown_query", "formats"):
            choose(self, name, Decision, f"/validate/{name}")
        choose(self, "strings", Strings, "/validate/strings")


@dataclass(frozen=True, slots=True, kw_only=True)
class DeadlinePolicy:
    """A time budget per operation: an answer not done within it becomes a 504 (off by default)."""

    enabled: bool = False
    seconds: float = 30.0
    operations: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class CredentialFailuresPolicy:
    """Failed credential exchanges all get one answer, against user enumeration (off by default).

    ``statuses`` are the app's answers that count as a failure; ``operations`` adds
    operations to those the contract shows exchanging credentials (exchanges.py).
    """

    enabled: bool = False
    statuses: tuple[int, ...] = (400, 401, 403, 404, 409, 422)
    operations: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class InjectionPolicy:
    """Injection signatures in request strings (off by default); ``skip`` exempts fields.

    ``skip`` maps ``"METHOD /template"`` to ``query:name``, ``path:name`` or a body JSON
    pointer (which exempts everything under it): fields that hold code or templates.
    """

    enabled: bool = False
    signatures: tuple[Signature, ...] = tuple(Signature)
    skip: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        choose_each(self, "signatures", Signature, "/injection/signatures")


@dataclass(frozen=True, slots=True, kw_only=True)
class SsrfPolicy:
    """URL-valued inputs: from the contract (format uri/url) plus ``inputs`` per operation."""

    enabled: bool = True
    inputs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class CorsPolicy:
    """Strict CORS: only these origins, methods and headers; nothing is reflected."""

    allow_origins: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ("GET", "POST", "PUT", "PATCH", "DELETE")
    allow_headers: tuple[str, ...] = ("authorization", "content-type")
    allow_credentials: bool = False
    max_age: int = 600


@dataclass(frozen=True, slots=True, kw_only=True)
class ResponsePolicy:
    """What the guard does to answers on their way out."""

    enabled: bool = True
    filter: bool = True
    security_headers: bool | Mapping[str, str] = True
    """True: the API set (response.SECURITY_HEADERS); False: none; a mapping: exactly these."""
    hide_errors: bool = True
    content_digest: bool = True
    max_decoded_bytes: int = 16 << 20
    """A compressed answer that decodes to more is refused (502), never passed on unread."""
    cors: CorsPolicy = field(default_factory=CorsPolicy)


@dataclass(frozen=True, slots=True, kw_only=True)
class AlertRule:
    """``threshold`` events with ``reason`` from one client within ``window`` s → alert (and ban).

    ``reason`` is a refusal rule (``validate.invalid``) or an answer status
    (``status:401``, e.g. failed logins); ``operation`` narrows it to one operation.
    """

    name: str
    reason: str
    threshold: int
    window: int
    ban: int = 0
    operation: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditPolicy:
    """Where audit events go and which alert rules watch them."""

    enabled: bool = True
    sink: str = "apiward-audit.jsonl"
    alerts: tuple[AlertRule, ...] = ()
    key_file: str | None = None
    """A file whose bytes key the chain (HMAC-SHA256); relative to the policy file."""
    key_env: str | None = None
    """An environment variable whose value keys the chain (instead of ``key_file``)."""
    checkpoint_every: int = 1000
    """Lines between checkpoints (a checkpoint names how many lines come before it)."""
    anchor: str | None = None
    """``redis://`` or ``rediss://`` URL where each checkpoint is copied."""
    anchor_name: str | None = None
    """The log's name at the anchor; by default the sink's file name."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """Everything the guard enforces beyond the contract itself."""

    contract: str | None = None
    routes: RoutesPolicy = field(default_factory=RoutesPolicy)
    transport: TransportPolicy = field(default_factory=TransportPolicy)
    authentication: AuthnPolicy | None = None
    authorization: AuthorizationPolicy | None = None
    ratelimit: RateLimitPolicy = field(default_factory=RateLimitPolicy)
    validate: ValidatePolicy = field(default_factory=ValidatePolicy)
    ssrf: SsrfPolicy = field(default_factory=SsrfPolicy)
    deadline: DeadlinePolicy = field(default_factory=DeadlinePolicy)
    credential_failures: CredentialFailuresPolicy = field(default_factory=CredentialFailuresPolicy)
    injection: InjectionPolicy = field(default_factory=InjectionPolicy)
    response: ResponsePolicy = field(default_factory=ResponsePolicy)
    audit: AuditPolicy = field(default_factory=AuditPolicy)

    def __post_init__(self) -> None:
        _check_values(self)

    @classmethod
    def load(cls, path: str | Path, *, hooks: Mapping[str, Any] | None = None) -> Policy:
        """Read, validate and build a policy file; ConfigError names the line and key.

        ``hooks`` names Python authorization hooks the file refers to by bare name.
        """
        text = _read(Path(path))
        raw = _parse(text, str(path))
        _validate(raw, text, str(path))
        try:
            return from_mapping(raw, base=Path(path).resolve().parent, hooks=hooks)
        except ConfigError as error:
            line = line_of(compose(text), error.pointer or "") if error.pointer else None
            raise ConfigError(
                error.message, source=str(path), line=line, pointer=error.pointer
            ) from None


def _read(path: Path) -> str:
    return read_text(path, what="the policy")


def _parse(text: str, source: str) -> Any:
    node = yamlfile.compose(text, source)
    raw = yamlfile.construct(node, source) if node is not None else None
    return {} if raw is None else raw


_POLICY_VALIDATOR = jsonschema_rs.Draft202012Validator(POLICY_SCHEMA)


def _validate(raw: Any, text: str, source: str) -> None:
    for error in _POLICY_VALIDATOR.iter_errors(raw):
        pointer = "".join(f"/{part}" for part in error.instance_path)
        raise ConfigError(
            error.message, source=source, line=line_of(compose(text), pointer), pointer=pointer
        )


def from_mapping(
    raw: Mapping[str, Any], *, base: Path | None = None, hooks: Mapping[str, Any] | None = None
) -> Policy:
    """Build a Policy from an already validated mapping (the parsed YAML)."""
    contract = raw.get("contract")
    if contract is not None and base is not None and "://" not in contract:
        contract = str((base / contract).resolve())
    sections: dict[str, Any] = {
        "routes": RoutesPolicy(**raw.get("routes", {})),
        "transport": TransportPolicy(**_tuples(raw.get("transport", {}))),
        "ratelimit": _ratelimit(raw.get("ratelimit", {})),
        "validate": ValidatePolicy(**raw.get("validate", {})),
        "ssrf": SsrfPolicy(**_with_map(raw.get("ssrf", {}), "inputs")),
        "deadline": DeadlinePolicy(**raw.get("deadline", {})),
        "injection": InjectionPolicy(**_with_map(raw.get("injection", {}), "skip")),
        "credential_failures": CredentialFailuresPolicy(
            **_tuples(raw.get("credential_failures", {}))
        ),
        "response": _response(raw.get("response", {})),
        "audit": _audit(raw.get("audit", {}), base),
    }
    return Policy(
        contract=contract,
        authentication=_authn(raw.get("authentication"), base),
        authorization=_authorization(raw.get("authorization"), hooks, base),
        **sections,
    )


def _authorization(
    raw: Mapping[str, Any] | None, hooks: Mapping[str, Any] | None, base: Path | None
) -> AuthorizationPolicy | None:
    if raw is None:
        return None
    values = dict(raw)
    for key in ("operations", "tags"):
        values[key] = {k: Requirement(**_tuples(v)) for k, v in values.get(key, {}).items()}
    values["ownership"] = tuple(_ownership(rule) for rule in values.get("ownership", ()))
    return AuthorizationPolicy(**values, hooks=dict(hooks or {}), hook_folder=base)


def _ownership(raw: Mapping[str, Any]) -> OwnershipRule:
    values = _tuples(raw)
    param = values.pop("param")
    return OwnershipRule(**values, param=ParamRef(location=param["in"], name=param["name"]))


def _authn(raw: Mapping[str, Any] | None, base: Path | None) -> AuthnPolicy | None:
    return None if raw is None else authn_policy(raw, base)


def _tuples(raw: Mapping[str, Any]) -> dict[str, Any]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in raw.items()}


def _with_map(raw: Mapping[str, Any], key: str) -> dict[str, Any]:
    values = _tuples(raw)
    if key in values:
        values[key] = {k: tuple(v) for k, v in values[key].items()}
    return values


def _ratelimit(raw: Mapping[str, Any]) -> RateLimitPolicy:
    values = _with_map(raw, "operations")
    if "ban" in values:
        values["ban"] = BanPolicy(**values["ban"])
    return RateLimitPolicy(**values)


def _response(raw: Mapping[str, Any]) -> ResponsePolicy:
    values = dict(raw)
    if "cors" in values:
        values["cors"] = CorsPolicy(**_tuples(values["cors"]))
    if isinstance(values.get("security_headers"), Mapping):
        values["security_headers"] = MappingProxyType(dict(values["security_headers"]))
    return ResponsePolicy(**values)


def _audit(raw: Mapping[str, Any], base: Path | None) -> AuditPolicy:
    values = dict(raw)
    values["alerts"] = tuple(AlertRule(**a) for a in values.get("alerts", ()))
    sink = values.get("sink")
    if sink is not None and base is not None and "://" not in sink and sink != "stdout":
        values["sink"] = str((base / sink).resolve())
    if values.get("key_file") is not None and base is not None:
        values["key_file"] = str((base / values["key_file"]).resolve())
    return AuditPolicy(**values)


def _check_values(policy: Policy) -> None:
    for index, cidr in enumerate(policy.transport.trusted_proxies):
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise ConfigError(
                f"{cidr!r} is not an IP network", pointer=f"/transport/trusted_proxies/{index}"
            ) from None
    storage_kind(policy.ratelimit.storage, pointer="/ratelimit/storage")
    if policy.audit.anchor is not None:
        check_redis_url(policy.audit.anchor, pointer="/audit/anchor", what="audit anchor")
    _check_limits(policy.ratelimit.limits, "/ratelimit/limits")
    _check_limits(policy.ratelimit.credential_exchange, "/ratelimit/credential_exchange")
    for key, limits in policy.ratelimit.operations.items():
        _check_limits(limits, "/ratelimit/operations/" + key.replace("~", "~0").replace("/", "~1"))


def _check_limits(limits: tuple[str, ...], pointer: str) -> None:
    for index, text in enumerate(limits):
        try:
            parse_many(text)
        except ValueError:
            raise ConfigError(
                f"{text!r} is not a rate limit such as '10/second'", pointer=f"{pointer}/{index}"
            ) from None
