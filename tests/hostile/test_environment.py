"""Environment variables the README names, set to garbage: one line, exit 2, no traceback.

Each case runs the real CLI in its own process: check modules read their tuning
(``APIWARD_BURST``, ``APIWARD_PAD_BYTES``) once, as they are imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# fmt: off
CASES: list[tuple[str, dict[str, str], str, str]] = [
    # id                  environment                                  command line                                      error says
    ("burst-is-a-word",   {"APIWARD_BURST": "lots"},                   "scan --spec {spec.yaml} --target {closed}",      "APIWARD_BURST"),
    ("pad-bytes-negative", {"APIWARD_PAD_BYTES": "-1"},                "scan --spec {spec.yaml} --target {closed}",      "APIWARD_PAD_BYTES"),
    ("osv-url-bad-ipv6",  {"APIWARD_OSV_URL": "http://[::1"},          "audit deps -r {requirements.txt}",               "APIWARD_OSV_URL"),
    ("store-bad-ipv6",    {"APIWARD_STORE": "postgresql://u:pw@[::1/x"}, "findings list",                                "u:***@"),
]
# fmt: on


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    ("env", "command", "says"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_a_garbage_environment_variable_is_one_line_and_exit_2(
    env: dict[str, str],
    command: str,
    says: str,
    inputs: dict[str, Path],
    servers: dict[str, str],
) -> None:
    """Exit 2, one ``error:`` line naming the variable's problem, no traceback."""
    names = {**{k: str(v) for k, v in inputs.items()}, **servers}
    argv = [
        names.get(word[1:-1], word) if word.startswith("{") else word for word in command.split()
    ]
    done = subprocess.run(
        [sys.executable, "-m", "apiward", *argv],
        capture_output=True,
        text=True,
        timeout=50,
        env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(ROOT / "src"), **env},
    )
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert done.returncode == 2, done.stderr
    assert len(errors) == 1, done.stderr
    assert says in errors[0], done.stderr
    assert "Traceback" not in done.stderr
