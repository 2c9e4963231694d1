"""Every contract rule fires on a contract that has its weakness and stays silent on a near miss."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from apiward.audit.contract import ContractAudit
from apiward.audit.contract.registry import RULES

Spec = dict[str, Any]
Change = Callable[[Spec], object]


def get(spec: Spec) -> Spec:
    return spec["paths"]["/items/{item}"]["get"]  # type: ignore[no-any-return]


def post(spec: Spec) -> Spec:
    return spec["paths"]["/items"]["post"]  # type: ignore[no-any-return]


def props(spec: Spec) -> Spec:
    return spec["components"]["schemas"]["Item"]["properties"]  # type: ignore[no-any-return]


def scheme(spec: Spec, definition: Spec, required: list[str] | None = None) -> None:
    spec["components"]["securitySchemes"]["extra"] = definition
    if required is not None:
        spec["security"] = [{"extra": required}]


def oauth(flows: Spec) -> Spec:
    return {"type": "oauth2", "flows": flows}


HTTPS_CODE = {
    "authorizationUrl": "https://auth.example.com/a",
    "tokenUrl": "https://auth.example.com/t",
    "scopes": {"read": "r", "write": "w"},
}


def rename_path(spec: Spec, template: str, schema: Spec, name: str = "itemId") -> None:
    item = spec["paths"].pop("/items/{item}")
    item["get"]["parameters"] = [{"name": name, "in": "path", "required": True, "schema": schema}]
    spec["paths"][template] = item


def versions(*paths: str) -> Change:
    def change(spec: Spec) -> None:
        ops = list(spec["paths"].values())
        spec["paths"] = dict(zip(paths, ops, strict=True))

    return change


def unauthenticated_but_public_on_purpose(spec: Spec) -> None:
    spec.pop("security")
    get(spec)["security"] = []
    post(spec)["x-apiward-public"] = True


def scopes_all_required(spec: Spec) -> None:
    scheme(spec, oauth({"authorizationCode": HTTPS_CODE}), ["read"])
    post(spec)["security"] = [{"extra": ["write"]}]


def drop(*statuses: str, only_get: bool = False) -> Change:
    def change(spec: Spec) -> None:
        for op in (get(spec),) if only_get else (get(spec), post(spec)):
            for status in statuses:
                op["responses"].pop(status)

    return change


def replace_auth_errors(spec: Spec) -> None:
    drop("401", "403")(spec)
    get(spec)["responses"]["4XX"] = {"description": "client error"}
    post(spec)["responses"]["4XX"] = {"description": "client error"}


def described_not_summarised(spec: Spec) -> None:
    for op in (get(spec), post(spec)):
        op.pop("summary")
        op["description"] = "what it does"


CASES: list[tuple[str, Change, Change]] = [
    (
        "authentication.no-security",
        lambda s: s.pop("security"),
        unauthenticated_but_public_on_purpose,
    ),
    (
        "authentication.basic-auth",
        lambda s: scheme(s, {"type": "http", "scheme": "basic"}),
        lambda s: scheme(s, {"type": "http", "scheme": "digest"}),
    ),
    (
        "authentication.api-key-in-query",
        lambda s: scheme(s, {"type": "apiKey", "in": "query", "name": "key"}),
        lambda s: scheme(s, {"type": "apiKey", "in": "header", "name": "X-Key"}),
    ),
    (
        "authentication.legacy-oauth-flow",
        lambda s: scheme(s, oauth({"implicit": {**HTTPS_CODE}})),
        lambda s: scheme(s, oauth({"authorizationCode": HTTPS_CODE})),
    ),
    (
        "authentication.insecure-auth-url",
        lambda s: scheme(
            s, oauth({"clientCredentials": {"tokenUrl": "http://auth.example.com/t", "scopes": {}}})
        ),
        lambda s: scheme(
            s, oauth({"clientCredentials": {"tokenUrl": "http://localhost:8080/t", "scopes": {}}})
        ),
    ),
    (
        "authentication.unused-scope",
        lambda s: scheme(s, oauth({"authorizationCode": HTTPS_CODE}), ["read"]),
        scopes_all_required,
    ),
    (
        "transport.http-server",
        lambda s: s.update(servers=[{"url": "http://api.example.com"}]),
        lambda s: s.update(servers=[{"url": "http://localhost:8000"}, {"url": "/relative"}]),
    ),
    (
        "transport.no-servers",
        lambda s: s.pop("servers"),
        lambda s: s.update(servers=[{"url": "/api"}]),
    ),
    (
        "input.unbounded-string",
        lambda s: props(s).update(name={"type": "string"}),
        lambda s: props(s).update(
            name={"type": "string", "format": "date-time"},
            note={"type": "string", "readOnly": True},
        ),
    ),
    (
        "input.unbounded-number",
        lambda s: props(s).update(count={"type": "integer", "minimum": 0}),
        lambda s: props(s).update(count={"type": "integer", "enum": [1, 2]}),
    ),
    (
        "input.unbounded-array",
        lambda s: props(s)["tags"].pop("maxItems"),
        lambda s: (
            props(s)["tags"].update(readOnly=True, maxItems=None)
            or props(s)["tags"].pop("maxItems")
        ),
    ),
    (
        "input.open-object",
        lambda s: s["components"]["schemas"]["Item"].pop("additionalProperties"),
        lambda s: s["components"]["schemas"]["Item"].update(
            additionalProperties={"type": "string"}
        ),
    ),
    (
        "input.sequential-id",
        lambda s: rename_path(s, "/items/{itemId}", {"type": "integer", "minimum": 1}),
        lambda s: rename_path(s, "/items/{itemId}", {"type": "string", "format": "uuid"}),
    ),
    (
        "input.url-input",
        lambda s: props(s).update(avatar_url={"type": "string", "maxLength": 200}),
        lambda s: props(s).update(
            avatar_url={"type": "string", "readOnly": True},
            webhookKey={"type": "string", "maxLength": 20},
        ),
    ),
    (
        "output.secret-in-response",
        lambda s: props(s).update(password={"type": "string", "maxLength": 64}),
        lambda s: props(s).update(
            password={"type": "string", "maxLength": 64, "writeOnly": True},
            token_type={"type": "string", "enum": ["bearer"]},
            password_expires_at={"type": "string", "format": "date-time"},
        ),
    ),
    ("output.no-error-responses", drop("401", "403"), replace_auth_errors),
    ("output.no-rate-limit", drop("429"), drop("429", only_get=True)),
    (
        "inventory.deprecated-operation",
        lambda s: get(s).update(deprecated=True),
        lambda s: get(s)["parameters"][0].update(deprecated=True),
    ),
    (
        "inventory.several-versions",
        versions("/v1/items", "/v2/items/{item}"),
        versions("/v1/items", "/v1/items/{item}"),
    ),
    (
        "inventory.missing-operation-id",
        lambda s: get(s).pop("operationId"),
        described_not_summarised,
    ),
    ("inventory.missing-description", lambda s: get(s).pop("summary"), described_not_summarised),
]
IDS = [f"contract.{name}" for name, _, _ in CASES]


def checks(result: ContractAudit) -> set[str]:
    return {f.check for f in result.findings}


def test_every_rule_has_a_case() -> None:
    """Each registered rule has a firing and a silent case below."""
    assert sorted(IDS) == sorted(RULES.names())


def test_clean_contract_has_no_findings(audit_variant: Callable[[Change], ContractAudit]) -> None:
    """The clean baseline contract trips no rule, and every rule ran."""
    result = audit_variant(lambda s: None)
    assert result.findings == ()
    assert set(result.rules) == set(RULES.names())


@pytest.mark.parametrize(("name", "trigger", "near_miss"), CASES, ids=IDS)
def test_rule_fires(
    audit_variant: Callable[[Change], ContractAudit], name: str, trigger: Change, near_miss: Change
) -> None:
    """The rule finds the weakness, at a line and pointer in the contract, with OWASP metadata."""
    found = [f for f in audit_variant(trigger).findings if f.check == f"contract.{name}"]
    assert found
    for finding in found:
        assert finding.location is not None
        assert finding.location.line is not None
        assert finding.location.pointer is not None
        assert finding.owasp
        assert finding.owasp.endswith(":2023")
        assert finding.remediation


@pytest.mark.parametrize(("name", "trigger", "near_miss"), CASES, ids=IDS)
def test_rule_silent_on_near_miss(
    audit_variant: Callable[[Change], ContractAudit], name: str, trigger: Change, near_miss: Change
) -> None:
    """A contract close to the weakness but without it (or excepted on purpose) is not flagged."""
    assert f"contract.{name}" not in checks(audit_variant(near_miss))
