"""``apiward scan`` end to end: the real CLI against real servers on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from apiward.demo import IDENTITIES, running

Cli = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture(scope="module")
def bank() -> Iterator[str]:
    """A vulnerable demo bank for the whole module."""
    with running() as url:
        yield url


@pytest.fixture(scope="module")
def spec_file(bank: str, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bank's contract saved to a file."""
    path = tmp_path_factory.mktemp("spec") / "openapi.json"
    path.write_text(httpx.get(f"{bank}/openapi.json").text)
    return path


def test_scan_reports_findings_and_fails_on_high(apiward: Cli, bank: str, tmp_path: Path) -> None:
    """With identities, the scan finds BOLA, writes JSON, prints coverage and exits 1."""
    out = tmp_path / "scan.json"
    args = ["scan", "--spec", f"{bank}/openapi.json", "--allow-private", "--target", bank]
    result = apiward(
        *args, "--identities", str(IDENTITIES), "--checks", "bola,auth_bypass",
        "--json", str(out), "--fail-on", "high",
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    report = json.loads(out.read_text())
    assert report["complete"] is True
    assert {f["check"] for f in report["findings"]} == {"bola", "auth_bypass"}
    assert "operations exercised" in result.stderr
    text = out.read_text()
    assert "alice-wonderland-2026" not in text
    assert "Bearer ey" not in text


def test_target_state_prints_before_the_files_written(
    apiward: Cli, bank: str, tmp_path: Path
) -> None:
    """What the scan changed comes with the report, above the lines naming the files written."""
    out = tmp_path / "scan.json"
    args = ["scan", "--spec", f"{bank}/openapi.json", "--allow-private", "--target", bank]
    result = apiward(
        *args, "--identities", str(IDENTITIES), "--checks", "excessive_data", "--json", str(out)
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(out.read_text())["tables"]["target_state"]
    state = result.stdout.index("target state: what the scan changed")
    assert state < result.stdout.index("json report written to")


def test_without_identities_says_authorization_was_skipped(
    apiward: Cli, bank: str, spec_file: Path, tmp_path: Path
) -> None:
    """No identities file and --no-signup: a note in the report, skips with that reason, exit 0."""
    out = tmp_path / "scan.json"
    args = ("--spec", str(spec_file), "--target", bank, "--no-signup", "--json", str(out))
    result = apiward("scan", *args, "--checks", "bola,bfla")  # the authorization checks
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert any("no identities file" in note for note in report["notes"])
    assert any("no identities file" in s["reason"] for s in report["skipped"])


def test_unreachable_target_writes_partial_report_and_exits_2(
    apiward: Cli, spec_file: Path, tmp_path: Path
) -> None:
    """Connection refused: one error line, exit 2, and a partial JSON report all the same."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"
    out = tmp_path / "scan.json"
    result = apiward("scan", "--spec", str(spec_file), "--target", dead, "--json", str(out))
    assert result.returncode == 2
    assert "error:" in result.stderr
    assert "cannot reach the target" in result.stderr
    assert "Traceback" not in result.stderr
    assert json.loads(out.read_text())["complete"] is False


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--identities", "{ids}"], "ids.yaml:2"),
        (["--checks", "nope"], "unknown check 'nope'"),
        (["--target", "ftp://127.0.0.1"], "--target 'ftp://127.0.0.1': expected an http(s) URL"),
    ],
    ids=["identities-line", "unknown-check", "bad-target"],
)
def test_bad_input_is_one_line_and_exit_2(
    apiward: Cli, bank: str, spec_file: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    """Bad input ends in one line naming what is wrong, exit code 2."""
    ids = tmp_path / "ids.yaml"
    ids.write_text("identities:\n  - role: customer\n")
    args = [a.replace("{ids}", str(ids)) for a in args]
    base = ["scan", "--spec", str(spec_file), "--target", bank]
    if "--target" in args:
        base = base[:3]
    result = apiward(*base, *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_broken_spec_is_exit_2(apiward: Cli, bank: str, tmp_path: Path) -> None:
    """A spec that is not OpenAPI ends with one line and exit 2."""
    spec = tmp_path / "broken.yaml"
    spec.write_text("hello: [world\n")
    result = apiward("scan", "--spec", str(spec), "--target", bank)
    assert result.returncode == 2
    assert "broken.yaml" in result.stderr


VALUES_SPEC = """
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /offers:
    get:
      parameters:
        - {name: code, in: query, required: true, schema: {type: string}}
        - {name: amount, in: query, required: true, schema: {type: integer}}
      responses: {'200': {description: ok}}
"""


def _recording_app(seen: list[tuple[str, str]]) -> Starlette:
    async def offers(request: Request) -> JSONResponse:
        seen.append((request.query_params["code"], request.query_params["amount"]))
        return JSONResponse([])

    return Starlette(routes=[Route("/offers", offers)])


def test_values_from_the_command_line_and_the_identities_file(
    apiward: Cli, serve: Callable[[Any], Any], tmp_path: Path
) -> None:
    """--value NAME=VALUE feeds synthesis; the file's 'values:' fill in, the command line wins."""
    seen: list[tuple[str, str]] = []
    url = serve(_recording_app(seen)).url
    spec = tmp_path / "spec.yaml"
    spec.write_text(VALUES_SPEC)
    ids = tmp_path / "ids.yaml"
    ids.write_text(
        "identities:\n  - name: bot\n    headers: {X-Key: k-1}\n"
        "values:\n  code: FROM-FILE\n  amount: 3\n"
    )
    result = apiward(
        "scan", "--spec", str(spec), "--target", url, "--identities", str(ids),
        "--value", "code=FROM-CLI", "--value", "unused=x", "--checks", "trace_method",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert seen
    assert set(seen) == {("FROM-CLI", "3")}


def test_value_without_equals_sign_is_exit_2(apiward: Cli, spec_file: Path, bank: str) -> None:
    """A --value that does not read NAME=VALUE ends in one line and exit code 2."""
    result = apiward("scan", "--spec", str(spec_file), "--target", bank, "--value", "promo")
    assert result.returncode == 2
    assert "--value must read NAME=VALUE" in result.stderr
    assert "Traceback" not in result.stderr
