"""``apiward audit contract`` end to end: the demo bank's contract over HTTP, through the real CLI."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from apiward.demo import create_app

Run = Callable[..., subprocess.CompletedProcess[str]]


def test_demo_contract_audited_over_http(
    serve: Callable[[Any], Any], apiward: Run, tmp_path: Path
) -> None:
    """The bank's served contract is audited: findings, risk table, JSON report, exit 1 on --fail-on.

    medium, not high: its only high findings were login, register and token operations
    flagged as unauthenticated, which they must be (false positives, fixed).
    """
    server = serve(create_app())
    out = tmp_path / "audit.json"
    result = apiward(
        "audit", "contract", f"{server.url}/openapi.json", "--allow-private",
        "--top", "5", "--json", str(out), "--fail-on", "medium",
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "risk: API" in result.stdout
    document = json.loads(out.read_text())
    checks = {f["check"] for f in document["findings"]}
    assert "contract.authentication.no-security" in checks
    assert "contract.input.url-input" in checks
    assert "contract.inventory.several-versions" in checks
    assert document["stats"]["risk_max"] > 0
    risk = document["tables"]["risk"]
    assert len(risk) == document["stats"]["operations"]
    assert [row["score"] for row in risk] == sorted((row["score"] for row in risk), reverse=True)
    assert {"operation", "score", "exposure", "weakness"} <= set(risk[0])


def test_exit_zero_without_fail_on(apiward: Run, tmp_path: Path) -> None:
    """Findings alone do not fail the run: exit 0 unless --fail-on is met."""
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(create_app().openapi()))
    assert apiward("audit", "contract", str(spec)).returncode == 0
    assert apiward("audit", "contract", str(spec), "--fail-on", "critical").returncode == 0


def test_bad_input_is_one_line_and_exit_two(apiward: Run, tmp_path: Path) -> None:
    """A broken contract ends in one line naming the file and line, exit code 2."""
    spec = tmp_path / "broken.yaml"
    spec.write_text("openapi: 3.1.0\npaths: [\n")
    result = apiward("audit", "contract", str(spec))
    assert result.returncode == 2
    assert str(spec) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_yaml_that_is_not_a_contract_is_one_line(apiward: Run, tmp_path: Path) -> None:
    """Valid YAML that is no OpenAPI document ends in one line saying so, exit 2, no traceback."""
    spec = tmp_path / "notes.yaml"
    spec.write_text("title: not a contract\nitems: [1, 2]\n")
    result = apiward("audit", "contract", str(spec))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"error: {spec}: not an OpenAPI or Swagger document: no top-level openapi or swagger key"
    ]


def _catalogue(operations: int) -> dict[str, Any]:
    """A contract of many operations that all take the same unbounded string: one rule, many places."""
    body = {
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": {"note": {"type": "string"}}}
            }
        }
    }
    return {
        "openapi": "3.1.0",
        "info": {"title": "catalogue", "version": "1"},
        "paths": {
            f"/shelves/{n}/items": {
                "post": {"requestBody": body, "responses": {"201": {"description": "made"}}}
            }
            for n in range(operations)
        },
    }


def test_terminal_shows_summary_and_risk_first_then_findings_grouped_by_rule(
    apiward: Run, tmp_path: Path
) -> None:
    """Summary, then the risk table, then each rule once with a few places; --all prints every finding."""
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(_catalogue(40)))
    brief = apiward("audit", "contract", str(spec)).stdout
    assert (
        brief.index("Findings by category")
        < brief.index("risk: API")
        < brief.index("Top findings by rule")
    )
    assert "× 40" in brief
    assert "… 37 more" in brief
    assert brief.count("String input without bounds") == 1
    every = apiward("audit", "contract", str(spec), "--all").stdout
    assert every.count("/shelves/") > 40
    assert len(every.splitlines()) > 3 * len(brief.splitlines())


def test_coverage_counts_the_contracts_operations(apiward: Run, tmp_path: Path) -> None:
    """Rules run on the whole contract cover every operation: "on 0 operations" was wrong."""
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(_catalogue(35)))
    result = apiward("audit", "contract", str(spec))
    assert "on the whole target (35 operations)" in result.stdout
    assert "on 0 operations" not in result.stdout
