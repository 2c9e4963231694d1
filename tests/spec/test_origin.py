"""Pointers in the model name the document they are in (multi-file specs)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from apiward.spec import load, load_source


def _split_spec(write: Callable[..., Path]) -> None:
    write(
        """
        openapi: 3.0.0
        info: {title: Split, version: "1"}
        paths:
          /pets/{id}: {$ref: "paths/pet.yaml"}
          /inline:
            get:
              responses: {"200": {description: ok}}
        """,
        "api/openapi.yaml",
    )
    write(
        """
        get:
          parameters: [{$ref: "../params.yaml#/Id"}, {name: q, in: query}]
          requestBody: {$ref: "../bodies.yaml#/Pet"}
          responses:
            "200": {$ref: "../bodies.yaml#/Ok"}
        """,
        "api/paths/pet.yaml",
    )
    write("Id: {name: id, in: path, required: true, schema: {type: string}}\n", "api/params.yaml")
    write(
        "Pet:\n  content: {application/json: {schema: {type: object}}}\n"
        "Ok:\n  description: ok\n  content: {application/json: {schema: {type: object}}}\n",
        "api/bodies.yaml",
    )


def test_referenced_path_item_and_parameter_name_their_file(
    write: Callable[..., Path], tmp_path: Path
) -> None:
    """An operation, parameter, body and response reached through $refs name the file they are in."""
    _split_spec(write)
    api = load(tmp_path / "api")
    op = api.operation("GET", "/pets/{id}")
    assert op is not None
    assert op.request_body is not None
    folder = tmp_path / "api"
    assert (op.document, op.pointer) == (str(folder / "paths" / "pet.yaml"), "/get")
    places = {p.name: (p.document, p.pointer) for p in op.parameters}
    assert places == {
        "id": (str(folder / "params.yaml"), "/Id"),
        "q": (str(folder / "paths" / "pet.yaml"), "/get/parameters/1"),
    }
    body = op.request_body
    assert (body.document, body.pointer) == (str(folder / "bodies.yaml"), "/Pet")
    ok = op.responses["200"]
    assert (ok.document, ok.pointer) == (str(folder / "bodies.yaml"), "/Ok")


def test_operation_in_the_root_names_the_root(write: Callable[..., Path], tmp_path: Path) -> None:
    """An operation written in the root document names it, at its usual pointer."""
    _split_spec(write)
    api = load(tmp_path / "api")
    op = api.operation("GET", "/inline")
    assert op is not None
    assert (op.document, op.pointer) == (api.source, "/paths/~1inline/get")
    assert op.responses["200"].pointer == "/paths/~1inline/get/responses/200"


def test_source_reads_and_locates_other_documents(
    write: Callable[..., Path], tmp_path: Path
) -> None:
    """Source.at and Source.line follow a model pointer into the document it names."""
    _split_spec(write)
    api, source = load_source(tmp_path / "api")
    op = api.operation("GET", "/pets/{id}")
    assert op is not None
    assert source.at(f"{op.pointer}/requestBody", op.document) == {"$ref": "../bodies.yaml#/Pet"}
    assert source.line(op.pointer, op.document) == 2
    assert source.at(op.pointer) is None  # the root document has no /get


def test_swagger_body_parameter_is_the_request_body(
    write: Callable[..., Path], tmp_path: Path
) -> None:
    """A 2.0 body parameter from another file is where the request body is declared."""
    write(
        """
        swagger: "2.0"
        info: {title: Old, version: "1"}
        paths:
          /pets:
            post:
              parameters: [{$ref: "params.yaml#/Pet"}]
              responses: {"200": {description: ok}}
        """,
        "old/swagger.yaml",
    )
    write("Pet: {name: pet, in: body, schema: {type: object}}\n", "old/params.yaml")
    op = load(tmp_path / "old").operations[0]
    assert op.request_body is not None
    place = (op.request_body.document, op.request_body.pointer)
    assert place == (str(tmp_path / "old" / "params.yaml"), "/Pet")
