"""Schema findings are reported once, where the schema is written, naming every operation using it."""

from __future__ import annotations

import textwrap
from pathlib import Path

from apiward.audit.contract import audit_spec

SHARED_SCHEMA = """
openapi: 3.0.3
info: {title: T, version: "1"}
servers: [{url: "https://api.example.com"}]
paths:
  /a:
    post:
      operationId: a
      summary: a
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Node"}
      responses: {"200": {description: ok}, "429": {description: slow}}
  /b:
    put:
      operationId: b
      summary: b
      requestBody:
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Node"}
      responses: {"200": {description: ok}}
components:
  schemas:
    Node:
      type: object
      additionalProperties: false
      properties:
        label:
          type: string
        children:
          type: array
          maxItems: 3
          items: {$ref: "#/components/schemas/Node"}
"""


def test_recursive_schema_reported_once_at_its_pointer_and_line(tmp_path: Path) -> None:
    """A recursive schema used by two operations gives one finding, at its own line and pointer."""
    path = tmp_path / "openapi.yaml"
    path.write_text(textwrap.dedent(SHARED_SCHEMA))
    findings = [
        f for f in audit_spec(path).findings if f.check == "contract.input.unbounded-string"
    ]
    assert len(findings) == 1
    (finding,) = findings
    assert finding.location is not None
    assert finding.location.pointer == "/components/schemas/Node/properties/label"
    lines = textwrap.dedent(SHARED_SCHEMA).splitlines()
    assert finding.location.line == lines.index("        label:") + 1
    assert finding.operation is None
    assert "POST /a" in finding.detail
    assert "PUT /b" in finding.detail


def test_inline_schema_finding_names_its_operation(tmp_path: Path) -> None:
    """A schema written inline in one operation's request body is that operation's finding."""
    text = SHARED_SCHEMA.replace(
        'schema: {$ref: "#/components/schemas/Node"}\n      responses: {"200": {description: ok}, "429"',
        "schema: {type: object, additionalProperties: false, properties: {q: {type: string}}}\n"
        '      responses: {"200": {description: ok}, "429"',
    )
    path = tmp_path / "openapi.yaml"
    path.write_text(textwrap.dedent(text))
    inline = [
        f
        for f in audit_spec(path).findings
        if f.check == "contract.input.unbounded-string" and f.operation == "POST /a"
    ]
    assert len(inline) == 1
    assert inline[0].location is not None
    assert inline[0].location.pointer == (
        "/paths/~1a/post/requestBody/content/application~1json/schema/properties/q"
    )


def test_fingerprints_are_distinct(tmp_path: Path) -> None:
    """No two findings of one audit share a fingerprint."""
    path = tmp_path / "openapi.yaml"
    path.write_text(textwrap.dedent(SHARED_SCHEMA))
    findings = audit_spec(path).findings
    assert len({f.fingerprint for f in findings}) == len(findings)
