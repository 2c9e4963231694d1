"""Authentication: operations nobody has to log in for, weak schemes, unused scopes."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import urlsplit

from apiward.audit.contract.contract import WRITES, Contract
from apiward.audit.contract.names import credential_named, words
from apiward.audit.contract.rule import Hit, Rule
from apiward.core.findings import Severity
from apiward.spec import Operation, ParameterLocation, SecurityScheme

API2 = "API2:2023"
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
# Last path segments of operations every API leaves open: they hand out credentials,
# or report liveness. Read on the corpus: login, sign-up, token and ping endpoints
# were the bulk of the rule's false positives in specs that declare security.
_ISSUES_CREDENTIALS = re.compile(r"^(?:login|logon|signin|sign in|signup|sign up|register|token)$")
_LIVENESS = re.compile(r"^(?:health|healthz|healthcheck|health check|livez|readyz|ping)$")
_DOCS = re.compile(r"^(?:openapi|swagger|spec|api docs|docs)$")
# Tags that say an operation is open on purpose (Just Eat's ``publicly-accessible``).
_PUBLIC_TAG = re.compile(r"^(?:public|publicly accessible|unauthenticated|no auth)$")


def _open_by_nature(op: Operation) -> bool:
    """Login, sign-up, token, health and ping operations, ``POST /sessions``, GET of the docs."""
    segments = [words(s.split(".", 1)[0]) for s in op.path.split("/") if s]
    last = segments[-1] if segments else ""
    if _ISSUES_CREDENTIALS.match(last) or any(map(_LIVENESS.match, segments)):
        return True
    if any(_PUBLIC_TAG.match(words(tag)) for tag in op.tags):
        return True
    return (op.method == "POST" and last in ("session", "sessions")) or (
        op.method == "GET" and bool(_DOCS.match(last))
    )


def _credential_in_request(contract: Contract, op: Operation) -> bool:
    """Credentials the contract models as parameters or server variables, not as a scheme."""
    servers = op.servers or contract.api.servers
    params = any(
        credential_named(p.name, in_path=p.location is ParameterLocation.PATH)
        for p in op.parameters
    )
    return params or any(
        credential_named(name, in_path=True) for server in servers for name in server.variables
    )


def no_security(contract: Contract) -> Iterator[Hit]:
    """An operation with no security requirement that is not public on purpose.

    Public on purpose means an explicit operation-level ``security: []`` or
    ``x-apiward-public: true`` on the operation or its path item. Not flagged:
    operations where credentials are optional (an empty ``{}`` alternative next to
    real ones), which is a deliberate design; operations that take a credential
    as a parameter or server variable (``apiKey``, ``Authorization``, ``Api-Key``,
    ``x-access-token``, ``/bot{token}``: the contract models the scheme as a
    parameter); operations open by nature (login, sign-up, token, health, ping,
    ``POST /sessions``, ``GET /openapi``) or tagged ``public``/``publicly-accessible``.
    Writes are high severity, reads medium.
    """
    for op in contract.api.operations:
        if not op.is_public or contract.public_on_purpose(op) or _open_by_nature(op):
            continue
        if _credential_in_request(contract, op):
            continue
        write = op.method in WRITES
        yield Hit(
            pointer=op.pointer,
            document=op.document or None,
            detail=f"{op.key} requires no credentials"
            + (" and changes data" if write else "")
            + " (mark it public on purpose with `security: []` or `x-apiward-public: true`)",
            key="",
            operation=op.key,
            severity=Severity.HIGH if write else Severity.MEDIUM,
        )


def basic_auth(contract: Contract) -> Iterator[Hit]:
    """An HTTP Basic security scheme: a reusable password on every request.

    Flagged even when no operation requires it (declared means clients may use it).
    Not flagged: bearer, digest and the other HTTP schemes.
    """
    for name, scheme in contract.api.security_schemes.items():
        if scheme.type == "http" and scheme.scheme == "basic":
            yield Hit(
                pointer=contract.scheme_pointer(name),
                detail=f"security scheme {name!r} is HTTP Basic: the password travels with every request",
                key=name,
            )


def api_key_in_query(contract: Contract) -> Iterator[Hit]:
    """An API key sent in the query string, where logs, proxies and browser history keep it.

    Not flagged: keys in a header or cookie.
    """
    for name, scheme in contract.api.security_schemes.items():
        if scheme.type == "apiKey" and scheme.location is ParameterLocation.QUERY:
            yield Hit(
                pointer=contract.scheme_pointer(name),
                detail=f"security scheme {name!r} sends the API key in the query parameter "
                f"{scheme.parameter_name!r}",
                key=name,
            )


def legacy_oauth_flow(contract: Contract) -> Iterator[Hit]:
    """An OAuth 2 implicit or resource-owner password flow (both deprecated by OAuth 2.1).

    Not flagged: authorization code (with or without PKCE, which a contract cannot
    show) and client credentials flows.
    """
    for name, scheme in contract.api.security_schemes.items():
        for flow in ("implicit", "password"):
            if scheme.type == "oauth2" and flow in scheme.flows:
                yield Hit(
                    pointer=f"{contract.scheme_pointer(name)}",
                    detail=f"security scheme {name!r} offers the OAuth 2 {flow} flow",
                    key=f"{name}:{flow}",
                )


def insecure_auth_url(contract: Contract) -> Iterator[Hit]:
    """An OAuth 2 or OpenID Connect URL on plain ``http://``: tokens and codes in clear.

    Not flagged: ``http://localhost`` and loopback addresses (development setups).
    """
    for name, scheme in contract.api.security_schemes.items():
        for label, url in _auth_urls(scheme):
            split = urlsplit(url)
            if split.scheme == "http" and (split.hostname or "") not in _LOCAL_HOSTS:
                yield Hit(
                    pointer=contract.scheme_pointer(name),
                    detail=f"security scheme {name!r}: {label} is {url}",
                    key=f"{name}:{label}",
                )


def _auth_urls(scheme: SecurityScheme) -> Iterator[tuple[str, str]]:
    if scheme.openid_connect_url:
        yield "openIdConnectUrl", scheme.openid_connect_url
    for flow_name, flow in sorted(scheme.flows.items()):
        for label, url in (
            ("authorizationUrl", flow.authorization_url),
            ("tokenUrl", flow.token_url),
            ("refreshUrl", flow.refresh_url),
        ):
            if url:
                yield f"{flow_name} {label}", url


_OIDC_SCOPES = frozenset(
    {"openid", "offline", "offline_access", "profile", "email", "address", "phone"}
)


def unused_scope(contract: Contract) -> Iterator[Hit]:
    """OAuth 2 scopes declared by a scheme but required by no operation.

    Declared scopes that nothing requires mean authorization is coarser than the
    contract suggests. One finding per scheme, listing the scopes. Not flagged:
    schemes required by no operation at all (nothing to compare with), OpenID
    Connect (its scopes live at the provider), and OpenID Connect's standard scopes
    declared in an OAuth 2 scheme (``openid``, ``offline_access``, ``profile``...):
    they shape the login, not access to operations.
    """
    required: dict[str, set[str]] = {}
    for alternatives in (contract.api.security, *(op.security for op in contract.api.operations)):
        for alternative in alternatives:
            for name, scopes in alternative.items():
                required.setdefault(name, set()).update(scopes)
    for name, scheme in contract.api.security_schemes.items():
        declared = {scope for flow in scheme.flows.values() for scope in flow.scopes}
        if scheme.type != "oauth2" or name not in required:
            continue
        unused = sorted(declared - required[name] - _OIDC_SCOPES)
        if unused:
            yield Hit(
                pointer=contract.scheme_pointer(name),
                detail=f"security scheme {name!r} declares scopes no operation requires: "
                + ", ".join(unused[:10])
                + (f" (+{len(unused) - 10} more)" if len(unused) > 10 else ""),
                key=name,
            )


RULES = (
    Rule(
        id="contract.authentication.no-security",
        title="Operation requires no authentication",
        severity=Severity.MEDIUM,
        owasp=API2,
        cwe="CWE-306",
        remediation="Require a security scheme on the operation, or mark it public on purpose "
        "with `security: []` or `x-apiward-public: true`.",
        check=no_security,
    ),
    Rule(
        id="contract.authentication.basic-auth",
        title="HTTP Basic authentication",
        severity=Severity.MEDIUM,
        owasp=API2,
        cwe="CWE-522",
        remediation="Use short-lived bearer tokens (OAuth 2 / OpenID Connect) instead of passwords on every request.",
        check=basic_auth,
    ),
    Rule(
        id="contract.authentication.api-key-in-query",
        title="API key in the query string",
        severity=Severity.MEDIUM,
        owasp=API2,
        cwe="CWE-598",
        remediation="Send API keys in a request header (e.g. `Authorization` or `X-API-Key`), never in the URL.",
        check=api_key_in_query,
    ),
    Rule(
        id="contract.authentication.legacy-oauth-flow",
        title="OAuth 2 implicit or password flow",
        severity=Severity.MEDIUM,
        owasp=API2,
        cwe="CWE-287",
        remediation="Use the authorization code flow with PKCE (or client credentials between services).",
        check=legacy_oauth_flow,
    ),
    Rule(
        id="contract.authentication.insecure-auth-url",
        title="Authorization or token URL over plain HTTP",
        severity=Severity.HIGH,
        owasp=API2,
        cwe="CWE-319",
        remediation="Serve every OAuth 2 / OpenID Connect endpoint over https://.",
        check=insecure_auth_url,
    ),
    Rule(
        id="contract.authentication.unused-scope",
        title="OAuth 2 scopes declared but never required",
        severity=Severity.LOW,
        owasp="API5:2023",
        cwe="CWE-285",
        remediation="Require the scopes on the operations they protect, or remove the ones nothing uses.",
        check=unused_scope,
    ),
)
