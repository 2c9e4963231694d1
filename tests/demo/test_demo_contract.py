"""The demo bank's OpenAPI contract: valid, identical in both modes, silent about the leaks."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from demo_target import Target
from openapi_spec_validator import validate

from apiward.demo import create_app, load_ground_truth

PUBLIC = {
    ("post", "/api/v2/auth/login"),
    ("post", "/api/v2/auth/token"),
    ("post", "/api/v2/auth/register"),
    ("get", "/api/v2/exchange-rates/{currency}"),
}


@pytest.fixture(scope="module")
def contract() -> dict[str, Any]:
    """The contract as the app builds it."""
    return create_app().openapi()


def test_served_contract_is_the_same_in_both_modes(vulnerable: Target, fixed: Target) -> None:
    """/openapi.json of the vulnerable and the fixed bank are identical."""
    served = httpx.get(f"{vulnerable.url}/openapi.json").json()
    assert served == httpx.get(f"{fixed.url}/openapi.json").json()
    assert served["paths"]


def test_contract_is_valid_openapi_3(contract: dict[str, Any]) -> None:
    """The contract passes openapi-spec-validator and is OpenAPI 3.x."""
    assert contract["openapi"].startswith("3.")
    validate(contract)


def test_every_operation_but_login_and_rates_requires_the_bearer_jwt(
    contract: dict[str, Any],
) -> None:
    """Per-operation security names the bearer JWT scheme everywhere except public operations."""
    schemes = contract["components"]["securitySchemes"]
    assert schemes["HTTPBearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
        "description": "A JWT from POST /api/v2/auth/login",
    }
    for path, operations in contract["paths"].items():
        for method, operation in operations.items():
            secured = operation.get("security") == [{"HTTPBearer": []}]
            assert secured != ((method, path) in PUBLIC), f"{method.upper()} {path}"


@pytest.mark.parametrize(
    ("schema", "leaked"),
    [
        ("User", {"password_hash", "internal_notes"}),
        ("Card", {"number", "cvv"}),
        ("Account", {"internal_notes"}),
    ],
    ids=["User", "Card", "Account"],
)
def test_response_schemas_do_not_declare_leaked_fields(
    contract: dict[str, Any], schema: str, leaked: set[str]
) -> None:
    """Leaked properties are absent from the schemas, so a scanner can spot them."""
    assert not leaked & set(contract["components"]["schemas"][schema]["properties"])


def test_documented_flaws_point_at_documented_operations(contract: dict[str, Any]) -> None:
    """Every ground-truth operation is in the contract, except the undocumented endpoints."""
    documented = {
        f"{method.upper()} {path}"
        for path, operations in contract["paths"].items()
        for method in operations
    }
    missing = {flaw.operation for flaw in load_ground_truth()} - documented
    assert missing == {"GET /api/v2/debug/config", "GET /api/v2/internal/users/export"}


def test_old_version_is_marked_deprecated(contract: dict[str, Any]) -> None:
    """Every /api/v1 operation is deprecated in the contract."""
    v1 = [ops for path, ops in contract["paths"].items() if path.startswith("/api/v1/")]
    assert v1
    assert all(op.get("deprecated") for ops in v1 for op in ops.values())


def test_fixed_bank_retires_v1_and_hides_nothing(fixed: Target) -> None:
    """In the fixed bank v1 answers 410 and undocumented paths 404."""
    assert fixed.get("/api/v1/users/alice").status_code == 410
    assert fixed.get("/api/v2/debug/config").status_code == 404
    assert fixed.get("/api/v2/internal/users/export").status_code == 404
