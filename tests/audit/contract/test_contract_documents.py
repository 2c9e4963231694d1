"""Findings on parts of a multi-file contract name the file they are in, with its line."""

from __future__ import annotations

import textwrap
from pathlib import Path

from apiward.audit.contract import ContractAudit, audit_spec

ROOT = """\
openapi: 3.1.0
info: {title: Split, version: "1", description: A contract split over files.}
servers: [{url: "https://api.example.com"}]
security: [{key: []}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
paths:
  /items/{itemId}: {$ref: "paths/item.yaml"}
  /open: {$ref: "paths/open.yaml"}
"""
ITEM = """\
# an item, split out of the root
get:
  summary: one item
  parameters: [{$ref: "../params.yaml#/ItemId"}]
  responses:
    "401": {description: no credentials}
    "429": {description: slow down}
"""
OPEN = """\
get:
  operationId: open
  summary: open on purpose
  security: []
  responses:
    "404": {description: none}
"""
PARAMS = """\
ItemId:
  name: itemId
  in: path
  required: true
  schema: {type: integer}
"""


def _audit(tmp_path: Path) -> ContractAudit:
    files = {"openapi.yaml": ROOT, "paths/item.yaml": ITEM, "paths/open.yaml": OPEN}
    files["params.yaml"] = PARAMS
    for name, text in files.items():
        path = tmp_path / "api" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    return audit_spec(tmp_path / "api")


def test_operation_finding_names_the_path_item_file(tmp_path: Path) -> None:
    """A finding on an operation of a referenced path item names that file and its line."""
    findings = [
        f for f in _audit(tmp_path).findings if f.check == "contract.inventory.missing-operation-id"
    ]
    assert [f.operation for f in findings] == ["GET /items/{itemId}"]
    location = findings[0].location
    assert location is not None
    assert (location.source, location.line, location.pointer) == (
        str(tmp_path / "api" / "paths" / "item.yaml"),
        2,
        "/get",
    )


def test_parameter_finding_names_the_parameter_file(tmp_path: Path) -> None:
    """A finding on a parameter written in another file names that file and its line."""
    findings = [f for f in _audit(tmp_path).findings if f.check == "contract.input.sequential-id"]
    assert len(findings) == 1
    location = findings[0].location
    assert location is not None
    assert (location.source, location.line, location.pointer) == (
        str(tmp_path / "api" / "params.yaml"),
        1,
        "/ItemId",
    )


def test_security_override_in_a_referenced_path_item_is_read(tmp_path: Path) -> None:
    """``security: []`` written in a referenced path item's file makes it public on purpose."""
    checks = {(f.check, f.operation) for f in _audit(tmp_path).findings}
    assert ("contract.authentication.no-security", "GET /open") not in checks
