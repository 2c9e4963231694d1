"""excessive_data: undeclared properties and secrets in legitimate answers, by the contract."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tiny_support import app, caller, operation, scan_app

from apiward.core.findings import Confidence, Severity
from apiward.scan.checks._secrets import secret_kind
from apiward.scan.checks.exposure import ExcessiveData

BCRYPT = "$2b$12$" + "R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"
SCHEMAS = {
    "Contact": {"type": "object", "properties": {"mail": {"type": "string"}}},
    "Base": {"type": "object", "properties": {"login": {"type": "string"}}},
    "Profile": {
        "allOf": [
            {"$ref": "#/components/schemas/Base"},
            {"type": "object", "properties": {"contact": {"$ref": "#/components/schemas/Contact"}}},
        ]
    },
    "Tags": {"type": "object", "additionalProperties": {"type": "string"}},
}
PATHS = {
    "/v3/profile": {"get": operation({"$ref": "#/components/schemas/Profile"})},
    "/v3/tags": {"get": operation({"$ref": "#/components/schemas/Tags"})},
    "/v3/login": {
        "post": operation(
            {"type": "object", "properties": {"access_token": {"type": "string"}}},
            secured=False,
            requestBody={
                "content": {"application/json": {"schema": {"type": "object"}}},
            },
        )
    },
}


def _bank(extra: dict[str, Any], contact_extra: dict[str, Any]) -> Any:
    async def profile(request: Request) -> Response:
        who = caller(request)
        if who is None:
            return JSONResponse({"detail": "no"}, status_code=401)
        contact = {"mail": f"{who}@example.com", **contact_extra}
        return JSONResponse({"login": who, "contact": contact, **extra})

    async def tags(_: Request) -> Response:
        return JSONResponse({"colour": "blue", "size": "xl", "anything": "goes"})

    async def login(_: Request) -> Response:
        return JSONResponse({"access_token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl"})

    routes = [
        Route("/v3/profile", profile),
        Route("/v3/tags", tags),
        Route("/v3/login", login, methods=["POST"]),
    ]
    return app(PATHS, routes, schemas=SCHEMAS)


@pytest.fixture(scope="module")
def leaky() -> dict[str, Any]:
    """Findings on an API whose profile carries a bcrypt hash, a session secret, an SSN."""
    extra = {"pwd_digest": BCRYPT, "session_secret": "q8Zt3LmX0pW7vR2kYs9B", "theme": "dark"}
    results = scan_app(_bank(extra, {"tax_ref": "123-45-6789"}), [ExcessiveData()])
    return {f.key: f for f in results.findings}


def test_secrets_are_high_and_named_by_path(leaky: dict[str, Any]) -> None:
    """A bcrypt hash and an undeclared high-entropy secret are high; the caller's own SSN,
    nested under a declared object of its own profile, is its own to read: an undeclared
    property there, low (the aiohttp trial's patient reading its own record)."""
    for key in ("pwd_digest", "session_secret"):
        assert leaky[key].severity is Severity.HIGH, key
        assert leaky[key].confidence is Confidence.CONFIRMED
    assert leaky["contact.tax_ref"].severity is Severity.LOW


def test_a_declared_password_hash_is_high_whatever_its_format() -> None:
    """A contract declaring passwordHash does not make it safe to answer; has_password is fine."""
    schemas = {
        **SCHEMAS,
        "Base": {
            "type": "object",
            "properties": {
                "login": {"type": "string"},
                "passwordHash": {"type": "string"},
                "has_password": {"type": "boolean"},
                "password_changed_at": {"type": "string"},
            },
        },
    }

    async def profile(request: Request) -> Response:
        who = caller(request)
        if who is None:
            return JSONResponse({"detail": "no"}, status_code=401)
        return JSONResponse(
            {
                "login": who,
                "passwordHash": "sha256$5a1t$" + "9e" * 32,
                "has_password": True,
                "password_changed_at": "2024-05-01T10:00:00Z",
            }
        )

    api = app(PATHS, [Route("/v3/profile", profile)], schemas=schemas)
    found = {f.key: f for f in scan_app(api, [ExcessiveData()]).findings}
    assert set(found) == {"passwordHash"}
    assert found["passwordHash"].severity is Severity.HIGH


def test_undeclared_plain_field_is_low(leaky: dict[str, Any]) -> None:
    """An undeclared field with nothing personal in it is a low finding."""
    assert leaky["theme"].severity is Severity.LOW


def test_declared_fields_through_allof_and_refs_are_not_reported(leaky: dict[str, Any]) -> None:
    """login (from an allOf branch) and contact.mail (through a $ref) are declared: no finding."""
    assert set(leaky) == {"pwd_digest", "session_secret", "contact.tax_ref", "theme"}


def test_finding_never_names_the_value(leaky: dict[str, Any]) -> None:
    """Title and detail name the property, never the secret itself."""
    finding = leaky["pwd_digest"]
    assert BCRYPT not in finding.title + finding.detail


def test_contract_exact_api_is_clean() -> None:
    """Exact answers, open maps (additionalProperties) and a declared login token: nothing."""
    assert scan_app(_bank({}, {}), [ExcessiveData()]).findings == []


@pytest.mark.parametrize(
    ("name", "value", "declared", "kind"),
    [
        ("digest", "ab12" * 16, True, "hex digest"),
        ("hash", "pbkdf2_sha256$600000$salt$abc", True, "pbkdf2 hash"),
        ("h", "sha256$9f2c1a$" + "ab12" * 16, True, "salted hash"),
        ("h", "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA", True, "argon2 hash"),
        ("password_hash", "not-a-known-format", True, "password hash"),
        ("hashedPassword", "x", True, "password hash"),
        ("pwd_hash", "ab12" * 16, True, "password hash"),
        ("password_changed_at", "2024-05-01T10:00:00Z", False, None),
        ("password_hash", "", False, None),
        ("version", "sha256$abc", False, None),
        ("pan", "4111111111111111", True, "full card number"),
        ("masked", "**** **** **** 1111", True, None),
        ("access_token", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2ln", True, None),
        ("api_key", "Zx81Kq0LmN3pR5tV7wY9", False, "credential"),
        ("api_key", "aaaaaaaaaaaaaaaaaaaa", False, None),
        ("order_id", "1234567890123", True, None),
        ("device_key", "dk_5b89b7f4892951ab1a733357", False, "credential"),
        ("deviceKey", "dk_5b89b7f4892951ab1a733357", True, None),
        ("sort_key", "dk_5b89b7f4892951ab1a733357", False, None),
    ],
    ids=[
        "hex-digest",
        "pbkdf2",
        "algo-salt-hex",
        "argon2",
        "named-hash",
        "camel-named-hash",
        "named-hex",
        "changed-at",
        "empty-hash",
        "short-algo-tag",
        "card",
        "masked",
        "declared-jwt",
        "key",
        "low-entropy",
        "id",
        "device-key",
        "declared-device-key",
        "sort-key",
    ],
)
def test_secret_kinds(name: str, value: str, declared: bool, kind: str | None) -> None:
    """Secrets by shape and name; declared credentials, masked cards and plain ids are not."""
    assert secret_kind(name, value, declared=declared) == kind


def test_a_value_the_contract_gives_as_an_example_is_not_a_secret() -> None:
    """A profile answering the contract's own example API key leaks nothing; another key does."""
    example = "sk_live_4eC39HqLyjWDarjtT1zdp7dc"
    schemas = {
        **SCHEMAS,
        "Base": {
            "type": "object",
            "properties": {"login": {"type": "string", "example": "alice"}},
            "example": {"login": "alice", "api_key": example},
        },
    }

    def bank(key: str) -> Any:
        async def profile(request: Request) -> Response:
            who = caller(request)
            if who is None:
                return JSONResponse({"detail": "no"}, status_code=401)
            return JSONResponse({"login": who, "contact": {"mail": "x"}, "api_key": key})

        return app(PATHS, [Route("/v3/profile", profile)], schemas=schemas)

    documented = scan_app(bank(example), [ExcessiveData()])
    leaked = scan_app(bank("sk_live_9Jd83kLmQ2xPz7Rt5Vb1nW4y"), [ExcessiveData()])
    assert [f.key for f in documented.findings if f.severity >= Severity.HIGH] == []
    assert [f.key for f in leaked.findings if f.severity >= Severity.HIGH] == ["api_key"]
