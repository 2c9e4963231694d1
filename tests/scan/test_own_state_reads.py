"""Which reads show the caller's own state (``scan.own_state.is_own_read``), read again at the end.

A secured read of one singular noun with no id is the caller's own (``GET /wallet``,
``GET /account``), but not a catalogue under a mass noun that lists everyone's objects:
the Tornado trial's ``GET /api/v2/firmware`` answered ``{"firmware": [...]}``, and an
``--aggressive`` scan's firmware uploads were listed as "left" on every identity.
"""

from __future__ import annotations

from pathlib import Path

from apiward.scan.own_state import is_own_read
from apiward.spec import load

CONTRACT = """
openapi: 3.0.3
info: {title: fleet, version: '2'}
components:
  securitySchemes: {bearer: {type: http, scheme: bearer}}
security: [{bearer: []}]
paths:
  /api/v2/firmware:
    get:
      responses:
        '200':
          description: Firmware catalogue
          content:
            application/json:
              schema:
                type: object
                properties:
                  firmware: {type: array, items: {type: object, properties: {id: {type: integer}}}}
  /api/v2/wallet:
    get:
      responses:
        '200':
          description: My wallet
          content:
            application/json:
              schema: {type: object, properties: {balance: {type: integer}}}
  /api/v2/inventory:
    get:
      responses:
        '200':
          description: Everything in stock
          content:
            application/json:
              schema: {type: array, items: {type: object}}
"""


def test_a_catalogue_under_a_mass_noun_is_nobodys_own_state(tmp_path: Path) -> None:
    """``/firmware`` and ``/inventory`` list everyone's; ``/wallet`` is the caller's own."""
    path = tmp_path / "openapi.yaml"
    path.write_text(CONTRACT)
    api = load(path)
    own = {op.path for op in api.operations if is_own_read(op)}
    assert own == {"/api/v2/wallet"}
