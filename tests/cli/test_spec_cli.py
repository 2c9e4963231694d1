"""`apiward spec show`: the operations table and summary, or one line and exit code 2."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

SPEC = """\
openapi: 3.0.3
info: {title: Pets, version: "1.2"}
security: [{bearer: []}]
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
    oauth: {type: oauth2, flows: {clientCredentials: {tokenUrl: "https://x/token", scopes: {read: r}}}}
paths:
  /pets:
    get: {operationId: listPets, tags: [pets], security: [], responses: {"200": {description: ok}}}
    post: {operationId: addPet, security: [{oauth: [read]}, {}], responses: {"201": {description: ok}}}
  /pets/{id}:
    delete: {operationId: deletePet, deprecated: true, responses: {"204": {description: gone}}}
"""

Run = Callable[..., subprocess.CompletedProcess[str]]


def test_show_prints_operations_and_summary(apiward: Run, tmp_path: Path) -> None:
    """The table lists method, path, operationId, security and tags; a summary line follows."""
    path = tmp_path / "pets.yaml"
    path.write_text(SPEC)
    result = apiward("spec", "show", str(path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    row = {
        name: next(line for line in lines if name in line)
        for name in ("listPets", "addPet", "deletePet")
    }
    assert "GET" in row["listPets"]
    assert "public" in row["listPets"]
    assert "pets" in row["listPets"]
    assert "optional: oauth(read)" in row["addPet"]
    assert "deprecated" in row["deletePet"]
    assert "bearer" in row["deletePet"]
    assert (
        "3 operations; security schemes: bearer (http/bearer), oauth (oauth2); "
        "OpenAPI 3.0.3; Pets 1.2"
    ) in result.stdout


def test_show_broken_spec_is_one_line_and_exit_2(apiward: Run, tmp_path: Path) -> None:
    """A broken spec prints one line on stderr, exits 2, and shows no traceback."""
    path = tmp_path / "broken.yaml"
    path.write_text("openapi: 3.0.0\npaths:\n  /a: [unclosed\n")
    result = apiward("spec", "show", str(path))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith(f"error: {path}:")


def test_show_refuses_loopback_url_without_flag(apiward: Run) -> None:
    """A loopback URL is refused with a hint at --allow-private."""
    result = apiward("spec", "show", "http://127.0.0.1:9/x.yaml")
    assert result.returncode == 2
    assert "--allow-private" in result.stderr
    assert "Traceback" not in result.stderr


UNDECLARED = """\
openapi: 3.1.0
info: {title: Mixed, version: "1"}
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
paths:
  /health:
    get: {operationId: health, security: [], responses: {"200": {description: ok}}}
  /items:
    get: {operationId: listItems, responses: {"200": {description: ok}}}
  /items/{id}:
    delete: {operationId: dropItem, security: [{key: []}], responses: {"204": {description: ok}}}
"""


def test_show_tells_public_by_declaration_from_nothing_declared(
    apiward: Run, tmp_path: Path
) -> None:
    """`security: []` shows "public"; an operation no `security` reaches shows "none declared"."""
    path = tmp_path / "mixed.yaml"
    path.write_text(UNDECLARED)
    result = apiward("spec", "show", str(path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    row = {name: next(line for line in lines if name in line) for name in ("health", "listItems")}
    assert "public" in row["health"]
    assert "none declared" not in row["health"]
    assert "none declared" in row["listItems"]
    assert "public" not in row["listItems"]
