"""The risk score: exposure times severity-weighted weaknesses, per operation and for the API."""

from __future__ import annotations

import textwrap
from pathlib import Path

from apiward.audit.contract import audit_spec

RISKY = """
openapi: 3.1.0
info: {title: T, version: "1"}
servers: [{url: "https://api.example.com"}]
security: [{bearer: []}]
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
paths:
  /avatar:
    post:
      operationId: setAvatar
      summary: fetch an avatar from a URL
      security: []
      requestBody:
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              properties:
                avatar_url: {type: string, maxLength: 200}
      responses: {"200": {description: ok}, "400": {description: bad}, "429": {description: slow}}
  /me:
    get:
      operationId: me
      summary: who am I
      responses: {"200": {description: ok}, "401": {description: no}}
"""


def test_exposed_weak_operation_ranks_first(tmp_path: Path) -> None:
    """An unauthenticated write taking a URL outranks an authenticated read; the formula holds."""
    path = tmp_path / "openapi.yaml"
    path.write_text(textwrap.dedent(RISKY))
    result = audit_spec(path)
    first, second = result.risks
    assert first.operation == "POST /avatar"
    assert (first.unauthenticated, first.writes, first.url_input) == (True, True, True)
    assert first.exposure == 1 + 2 + 1 + 1
    assert first.weakness == 3  # url-input, medium
    assert first.score == first.exposure * first.weakness
    assert second.operation == "GET /me"
    assert second.exposure == 1
    stats = result.stats
    assert stats["risk_max"] == first.score
    assert stats["risk_api"] == round((first.score + second.score) / 2, 1)
