"""The policy file: validated on load, errors name the line and key, fails closed."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from apiward.core.errors import ConfigError
from apiward.guard import Policy, RateLimitPolicy, TransportPolicy
from apiward.guard.policy import OwnershipRule, ParamRef, RoutesPolicy, ValidatePolicy
from apiward.guard.vocabulary import Decision

GOOD = """\
version: 1
contract: contract.yaml
routes:
  unknown: refuse
transport:
  trusted_proxies: [10.0.0.0/8]
  max_body_bytes: 1024
ratelimit:
  limits: ["10/second", "1000/day"]
  operations:
    "POST /items": ["2/minute"]
  ban: {after: 3, within: 60, duration: 300}
response:
  cors: {allow_origins: ["https://app.example"]}
audit:
  sink: audit.jsonl
  alerts:
    - {name: too-many-invalid, reason: validate.invalid, threshold: 5, window: 60, ban: 60}
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "apiward.yaml"
    path.write_text(text)
    return path


def test_a_good_policy_loads_with_paths_resolved(tmp_path: Path) -> None:
    """Every section is read; contract and sink are relative to the policy file."""
    policy = Policy.load(_write(tmp_path, GOOD))
    assert policy.contract == str(tmp_path / "contract.yaml")
    assert policy.audit.sink == str(tmp_path / "audit.jsonl")
    assert policy.ratelimit.operations["POST /items"] == ("2/minute",)
    assert policy.ratelimit.ban is not None
    assert policy.ratelimit.ban.after == 3
    assert policy.response.cors.allow_origins == ("https://app.example",)


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("transport:\n  max_body_bytes: -1\n", 2, "minimum"),
        ("transport:\n  max_body: 10\n", 2, "max_body"),
        ("ratelimit:\n  storage: mysql://x\n", 2, "does not match"),
        ("routes:\n  unknown: maybe\n", 2, "maybe"),
        ("ratelimit:\n  limits: ['lots']\n", 2, "'lots' is not a rate limit"),
        ("transport:\n  trusted_proxies: [10.0.0.0/99]\n", 2, "not an IP network"),
        ("a: [\n", 2, "not valid YAML"),
        ("response:\n  security_headers:\n    bad name: x\n", 3, "response"),
        ('response:\n  security_headers:\n    x-a: "a\\nb"\n', 3, "response"),
    ],
    ids=[
        "negative",
        "unknown-key",
        "storage-scheme",
        "enum",
        "bad-limit",
        "bad-cidr",
        "yaml",
        "header-name",
        "header-value-newline",
    ],
)
def test_errors_name_the_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    """A wrong policy fails to load with the file, the line and what is wrong."""
    with pytest.raises(ConfigError) as failed:
        Policy.load(_write(tmp_path, text))
    assert failed.value.line == line
    assert words in str(failed.value)
    assert str(tmp_path / "apiward.yaml") in str(failed.value)


def test_policy_can_be_built_in_python() -> None:
    """Policy(...) takes the same records the YAML builds."""
    policy = Policy(
        transport=TransportPolicy(max_body_bytes=10),
        ratelimit=RateLimitPolicy(limits=("1/second",)),
    )
    assert policy.transport.max_body_bytes == 10
    assert policy.routes.unknown == "refuse"


def test_an_empty_file_is_the_protective_default(tmp_path: Path) -> None:
    """No keys at all: unknown routes refused, rate limits fail closed, every layer on."""
    policy = Policy.load(_write(tmp_path, ""))
    assert (policy.routes.unknown, policy.ratelimit.fail_open) == ("refuse", False)
    assert all(
        s.enabled
        for s in (
            policy.transport,
            policy.ratelimit,
            policy.validate,
            policy.ssrf,
            policy.response,
            policy.audit,
        )
    )


@pytest.mark.parametrize(
    ("build", "pointer"),
    [
        (lambda: ValidatePolicy(unknown_properties="Refuse"), "/validate/unknown_properties"),
        (lambda: ValidatePolicy(strings="refuse"), "/validate/strings"),
        (lambda: RoutesPolicy(unknown="deny"), "/routes/unknown"),
        (
            lambda: OwnershipRule(
                operation="GET /items/{item_id}",
                param=ParamRef(location="path", name="item_id"),
                equals_claim="sub",
                on_error="Allow",
            ),
            "/authorization/ownership/on_error",
        ),
        (lambda: ParamRef(location="cookie", name="sid"), "/authorization/ownership/param/in"),
    ],
    ids=["capital-Refuse", "strings", "routes", "on_error", "location"],
)
def test_a_word_outside_the_vocabulary_fails_in_python_too(
    build: Callable[[], object], pointer: str
) -> None:
    """Built in Python, a misspelt choice is a ConfigError, never protection quietly off."""
    with pytest.raises(ConfigError, match="is not one of") as failed:
        build()
    assert failed.value.pointer == pointer


def test_python_and_yaml_build_the_same_typed_policy(tmp_path: Path) -> None:
    """Both ways give the same record, holding enum members."""
    path = tmp_path / "apiward.yaml"
    path.write_text("validate:\n  unknown_properties: refuse\n")
    assert Policy.load(path).validate == ValidatePolicy(unknown_properties="refuse")
    assert ValidatePolicy(unknown_properties="refuse").unknown_properties is Decision.REFUSE
