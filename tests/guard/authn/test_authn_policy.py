"""The authentication section of the policy: validated on load, every scheme bound, no inline secrets."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

sys.path.insert(0, str(Path(__file__).parent))

from authn_support import API, every_scheme, policy, whoami

from apiward.core.errors import ConfigError
from apiward.guard import Guard, Policy

JWT = "  schemes:\n    bearer:\n      jwt:\n"


def _write(tmp: Path, text: str) -> Path:
    path = tmp / "apiward.yaml"
    path.write_text("version: 1\nauthentication:\n" + text)
    return path


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (
            JWT + "        algorithms: [HS256]\n        secret_env: S\n        leeway: 600\n",
            8,
            "600",
        ),
        (JWT + "        algorithms: [none]\n        secret_env: S\n", 6, "none"),
        (JWT + "        algorithms: [RS256]\n        jwks_url: http://idp/jwks\n", 6, "not valid"),
        (JWT + "        algorithms: [HS256]\n        secret: hunter2\n", 6, "secret"),
        (
            "  schemes:\n    k:\n      api_keys: [{name: a, sha256: not-a-digest}]\n",
            5,
            "does not match",
        ),
    ],
    ids=["leeway-over-60", "alg-none", "jwks-without-issuer", "inline-secret", "key-not-a-hash"],
)
def test_bad_section_fails_with_its_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    """A wrong authentication section does not load; the error names the line."""
    with pytest.raises(ConfigError) as failed:
        Policy.load(_write(tmp_path, text))
    assert failed.value.line == line
    assert words in str(failed.value)


def test_every_contract_scheme_must_be_bound(tmp_path: Path) -> None:
    """An operation's scheme with no mechanism in the policy stops the guard from starting."""
    schemes: dict[str, Any] = every_scheme("http://127.0.0.1:9")
    schemes.pop("apikey")
    with pytest.raises(ConfigError, match="'apikey'"):
        Guard(whoami, policy=_only(tmp_path, schemes), api=API)


def _only(tmp: Path, schemes: dict[str, Any]) -> Policy:
    built = policy(tmp, {})
    from apiward.guard.authn.config import authn_policy

    section = authn_policy({"schemes": schemes})
    return Policy(**{**_fields(built), "authentication": section})


def _fields(built: Policy) -> dict[str, Any]:
    names = ("transport", "ratelimit", "validate", "ssrf", "response", "audit")
    return {name: getattr(built, name) for name in names}


@pytest.mark.parametrize(
    ("scheme", "entry"),
    [
        ("apikey", {"jwt": {"algorithms": ["HS256"], "secret_env": "AUTHN_TEST_SIGNING"}}),
        ("bearer", {"api_keys": [{"name": "a", "sha256": "0" * 64}]}),
    ],
    ids=["jwt-on-api-key-scheme", "api-keys-on-bearer-scheme"],
)
def test_mechanism_must_fit_the_scheme(tmp_path: Path, scheme: str, entry: dict[str, Any]) -> None:
    """A mechanism bound to a scheme of another kind is a configuration error."""
    with pytest.raises(ConfigError, match="cannot be verified as"):
        Guard(whoami, policy=policy(tmp_path, {"schemes": {scheme: entry}}), api=API)


def test_missing_secret_env_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A shared secret named by an unset variable stops the guard from starting."""
    monkeypatch.delenv("AUTHN_UNSET_SECRET", raising=False)
    entry = {"jwt": {"algorithms": ["HS256"], "secret_env": "AUTHN_UNSET_SECRET"}}
    with pytest.raises(ConfigError, match="AUTHN_UNSET_SECRET"):
        Guard(whoami, policy=policy(tmp_path, {"schemes": {"bearer": entry}}), api=API)


def test_hash_key_cli(apiward: Callable[..., subprocess.CompletedProcess[str]]) -> None:
    """apiward guard hash-key prints a new key once and the SHA-256 entry for the policy."""
    result = apiward("guard", "hash-key", "--name", "ci-bot")
    assert result.returncode == 0, result.stderr
    key = result.stdout.split("store it nowhere else): ")[1].split()[0]
    assert hashlib.sha256(key.encode()).hexdigest() in result.stdout
    assert "name: ci-bot" in result.stdout


def test_step_up_on_a_public_operation_is_refused(tmp_path: Path) -> None:
    """step_up on an operation the contract leaves public could never ask for a code."""
    secrets = tmp_path / "totp.yaml"
    secrets.write_text("alice: " + "A" * 32 + "\n")
    section = {"step_up": {"operations": ["GET /public"], "secrets_file": str(secrets)}}
    with pytest.raises(ConfigError, match="GET /public"):
        Guard(whoami, policy=policy(tmp_path, section), api=API)


def test_short_totp_secret_is_a_config_error(tmp_path: Path) -> None:
    """A TOTP secret under 112 bits stops the guard at start-up, without echoing it."""
    secrets = tmp_path / "totp.yaml"
    secrets.write_text("alice: JBSWY3DPEHPK3PXP\n")
    section = {"step_up": {"operations": ["GET /me"], "secrets_file": str(secrets)}}
    with pytest.raises(ConfigError, match="'alice'") as failed:
        Guard(whoami, policy=policy(tmp_path, section), api=API)
    assert "JBSWY3DP" not in str(failed.value)


@pytest.mark.parametrize("name", ["ci: bot #1", "true", "123", "null", "a, b", "{x}"])
def test_hash_key_prints_an_entry_that_reads_back_as_its_name(
    name: str, apiward: Callable[..., subprocess.CompletedProcess[str]]
) -> None:
    """A name YAML would read as something else (a bool, a number, a mapping) is quoted."""
    result = apiward("guard", "hash-key", "--name", name)
    assert result.returncode == 0, result.stderr
    entry = yaml.safe_load(result.stdout.splitlines()[-1])
    assert entry[0]["name"] == name


def test_hash_key_refuses_a_name_on_two_lines(
    apiward: Callable[..., subprocess.CompletedProcess[str]],
) -> None:
    """A newline in --name would print a broken policy entry: one error line, exit 2."""
    result = apiward("guard", "hash-key", "--name", "ci\nbot")
    assert result.returncode == 2
    assert result.stderr.startswith("error: --name")
    assert "sha256" not in result.stdout
