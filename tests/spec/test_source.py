"""``load_source`` keeps the root document as written: raw data, lines, schema origins."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from apiward.spec import load, load_source

SPEC = """\
openapi: 3.0.3
info: {title: T, version: "1"}
paths:
  /pets/{id}:
    get:
      x-apiward-public: true
      parameters:
        - name: id
          in: path
          schema: {$ref: "#/components/schemas/Id"}
      responses: {}
components:
  schemas:
    Id:
      type: integer
"""


def test_lines_of_pointers(write: Callable[..., Path]) -> None:
    """A pointer's line is its key's line; a missing member gives the nearest parent's line."""
    _, source = load_source(write(SPEC))
    assert source.line("") == 1
    assert source.line("/paths/~1pets~1{id}/get") == 5
    assert source.line("/paths/~1pets~1{id}/get/parameters/0") == 8
    assert source.line("/components/schemas/Id") == 14
    assert source.line("/components/schemas/Missing/properties/x") == 13


def test_raw_values_by_pointer(write: Callable[..., Path]) -> None:
    """``at`` reads the document as written, extensions included; absent is None."""
    _, source = load_source(write(SPEC))
    assert source.at("/paths/~1pets~1{id}/get/x-apiward-public") is True
    assert source.at("/paths/~1pets~1{id}/get/parameters/0/in") == "path"
    assert source.at("/nowhere/at/all") is None


def test_schema_origins(write: Callable[..., Path]) -> None:
    """Each schema table key maps to the document and pointer it was read from."""
    path = write(SPEC)
    api, source = load_source(path)
    assert set(source.schema_origins) == set(api.schemas)
    origin = source.schema_origins["Id"]
    assert (origin.document, origin.pointer) == (str(path), "/components/schemas/Id")


def test_json_lines(write: Callable[..., Path]) -> None:
    """JSON documents have lines too (JSON is read as YAML for positions)."""
    path = write(
        '{\n "openapi": "3.1.0",\n "info": {"title": "T", "version": "1"},\n "paths": {}\n}\n',
        "o.json",
    )
    _, source = load_source(path)
    assert source.line("/paths") == 4


def test_load_is_load_source_model(write: Callable[..., Path]) -> None:
    """``load`` returns the same model ``load_source`` does."""
    path = write(SPEC)
    assert load(path) == load_source(path)[0]


ROOT = """\
openapi: 3.1.0
info: {title: T, version: "1"}
paths:
  /pets:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "schemas/pet.yaml#/Pet"}
"""

PET = """\
# a shared schema, in its own file
Pet:
  type: object
  properties:
    name:
      type: string
"""


def test_lines_in_other_documents(write: Callable[..., Path]) -> None:
    """Pointers in a document a ``$ref`` read have lines too; a document never read has none."""
    pet = write(PET, "schemas/pet.yaml")
    _, source = load_source(write(ROOT))
    origin = source.schema_origins["Pet"]
    assert origin.document == str(pet)
    assert source.line("/Pet/properties/name", origin.document) == 5
    assert source.line("/Pet", origin.document) == 2
    assert source.line("/paths", None) == 3
    assert source.line("/Pet", str(pet.parent / "never-read.yaml")) is None
