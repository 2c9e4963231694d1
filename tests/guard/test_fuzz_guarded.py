"""schemathesis against the fixed demo bank behind the guard: no 5xx, no contract violation.

The guard runs as middleware with tests/guard/bank_policy.yaml (every layer but
authentication, which the fixed bank's random signing key rules out; its rate limits
raised so the fuzzer is not simply throttled), real uvicorn on 127.0.0.1, alice's
bearer token on every request. schemathesis 4 runs as its CLI in a subprocess,
bounded (5 examples per operation, deterministic generation) with the checks
``not_a_server_error``, ``response_schema_conformance`` and, instead of
``status_code_conformance``, ``declared_or_guard_refusal`` (fuzz_checks.py: declared
statuses, or an RFC 9457 refusal of the guard with its rule's status).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from fuzz_checks import refusal_rule  # type: ignore[import-not-found]

from apiward.demo import create_app
from apiward.guard import Guard
from apiward.guard.auditverify import verify_log
from apiward.guard.policy import from_mapping
from serving import serving

HERE = Path(__file__).parent
CHECKS = "not_a_server_error,response_schema_conformance,declared_or_guard_refusal"
ALICE = {"username": "alice", "password": "alice-wonderland-2026"}


@pytest.fixture(scope="module")
def guarded_bank(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    """The fixed bank behind the guard: (base URL, saved contract, audit log)."""
    tmp = tmp_path_factory.mktemp("fuzz")
    app = create_app(fixed=True, data_dir=tmp)
    contract = tmp / "bank-openapi.json"
    contract.write_text(json.dumps(app.openapi()))
    raw = yaml.safe_load((HERE / "bank_policy.yaml").read_text())
    raw.pop("contract")
    raw["audit"]["sink"] = str(tmp / "audit.jsonl")
    raw["ratelimit"] = {**raw["ratelimit"], "limits": ["100000/second"], "operations": {}}
    guard = Guard(app, policy=from_mapping(raw), api=str(contract))
    with serving(guard) as url:
        yield url, contract, tmp / "audit.jsonl"


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_contract_violation(
    guarded_bank: tuple[str, Path, Path],
) -> None:
    """A bounded schemathesis run through the guard ends with no failure of any check."""
    url, contract, audit = guarded_bank
    token = httpx.post(f"{url}/api/v2/auth/login", json=ALICE).json()["access_token"]
    command = [
        *(str(Path(sys.executable).with_name("schemathesis")), "run", str(contract)),
        *("--url", url, "-H", f"Authorization: Bearer {token}", "--checks", CHECKS),
        *("--max-examples", "5", "--generation-deterministic", "--continue-on-failure"),
        *("--warnings", "off", "--no-color"),
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "fuzz_checks", "PYTHONPATH": str(HERE)}
    run = subprocess.run(command, capture_output=True, text=True, env=env, timeout=240)
    assert run.returncode == 0, run.stdout[-6000:]
    assert "Tested: 32" in run.stdout  # every operation of the contract was exercised
    assert verify_log(audit).intact


@pytest.mark.parametrize(
    ("content_type", "body", "status", "expected"),
    [
        (
            "application/problem+json",
            b'{"type":"https://apiward.dev/problems/ratelimit.exceeded"}',
            429,
            True,
        ),
        (
            "application/problem+json",
            b'{"type":"https://apiward.dev/problems/ratelimit.exceeded"}',
            400,
            False,
        ),
        (
            "application/problem+json",
            b'{"type":"https://apiward.dev/problems/response.upstream-error"}',
            500,
            False,
        ),
        (
            "application/json",
            b'{"type":"https://apiward.dev/problems/validate.invalid"}',
            422,
            False,
        ),
        ("application/problem+json", b'{"type":"https://example.com/other"}', 400, False),
    ],
    ids=["refusal", "wrong-status", "5xx-is-no-refusal", "not-problem-json", "foreign-type"],
)
def test_only_real_guard_refusals_excuse_an_undeclared_status(
    content_type: str, body: bytes, status: int, expected: bool
) -> None:
    """The fuzz check's exception is narrow: the guard's media type, its rule, that rule's status."""
    found = refusal_rule({"Content-Type": content_type}, body, status)
    assert (found is not None) == expected
