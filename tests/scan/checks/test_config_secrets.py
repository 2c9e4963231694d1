"""What counts as a secret in a configuration's answer (debug pages, environment dumps)."""

from __future__ import annotations

from typing import Any

import pytest

from apiward.scan.checks._secrets import config_secrets


@pytest.mark.parametrize(
    ("data", "paths"),
    [
        ({"jwtSecret": "secret", "nodeEnv": "production"}, ["jwtSecret"]),
        ({"SMTP": {"PASSWORD": "x1"}}, ["SMTP.PASSWORD"]),
        ({"stripe_api_key": "k"}, ["stripe_api_key"]),
        ({"env": [{"name": "BOT_TOKEN", "value": "t-1"}]}, ["env[].BOT_TOKEN"]),
        (
            {"sources": [{"properties": {"db.password": {"value": "pw"}}}]},
            ["sources[].properties.db.password"],
        ),
        ({"DATABASE_URL": "mysql://app:pw@db/app"}, ["DATABASE_URL"]),
        ({"signing_key": "-----BEGIN PRIVATE KEY-----\nMIIB"}, ["signing_key"]),
    ],
    ids=["short-jwt-secret", "nested", "api-key", "name-value-pair", "value-wrapper", "url", "pem"],
)
def test_secret_material(data: Any, paths: list[str]) -> None:
    """A field named like a secret holds one whatever its length; so does a URL's password."""
    assert [path for path, _, _ in config_secrets(data)] == paths


@pytest.mark.parametrize(
    "data",
    [
        {"status": "ok"},
        {"status": "UP", "components": {"db": {"status": "UP"}}},
        {"DB_PASSWORD": "******", "API_KEY": "[redacted]", "JWT_SECRET": "${JWT_SECRET}"},
        {"publicKey": "pk", "stripePublishableKey": "pk_live_1", "csrf_token": "c1"},
        {"token_ttl": "1h", "password_policy": "strong", "secret_name": "prod/db"},
        {"sessionSecret": "", "apiKey": None, "REDIS_URL": "redis://:****@cache:6379"},
    ],
    ids=["health", "actuator-health", "masked", "public-keys", "about-secrets", "empty"],
)
def test_no_secret_material(data: Any) -> None:
    """Health checks, masked values, public keys and names about a secret are not secrets."""
    assert config_secrets(data) == []


def test_the_contracts_own_examples_are_not_secrets() -> None:
    """A value the contract gives as an example is public by definition."""
    assert config_secrets({"jwtSecret": "changeme"}, public=frozenset({"changeme"})) == []
