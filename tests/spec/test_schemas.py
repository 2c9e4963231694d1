"""Schemas: one 2020-12 dialect, one shared table, refs across files, dangling refs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from apiward.core.errors import SpecError
from apiward.spec import Api, json_types, load
from apiward.spec.dialect import normalise


@pytest.mark.parametrize(
    ("legacy", "schema", "expected"),
    [
        (True, {"type": "string", "nullable": True}, {"type": ["string", "null"]}),
        (True, {"type": "string", "x-nullable": True}, {"type": ["string", "null"]}),
        (
            True,
            {"allOf": [{"$ref": "#/$defs/A"}], "nullable": True},
            {"anyOf": [{"allOf": [{"$ref": "#/$defs/A"}]}, {"type": "null"}]},
        ),
        (
            True,
            {"type": "string", "enum": ["a"], "nullable": True},
            {"type": ["string", "null"], "enum": ["a", None]},
        ),
        (True, {"type": "string", "nullable": False}, {"type": "string"}),
        (False, {"type": "string", "nullable": True}, {"type": "string", "nullable": True}),
        (True, {"minimum": 1, "exclusiveMinimum": True}, {"exclusiveMinimum": 1}),
        (True, {"maximum": 9, "exclusiveMaximum": False}, {"maximum": 9}),
        (False, {"exclusiveMaximum": 9}, {"exclusiveMaximum": 9}),
        (True, {"type": "file"}, {"type": "string", "format": "binary"}),
        (
            True,
            {"type": "string", "readOnly": True, "example": "x", "format": "email"},
            {"type": "string", "readOnly": True, "example": "x", "format": "email"},
        ),
    ],
    ids=[
        "nullable",
        "x-nullable",
        "nullable-no-type",
        "nullable-enum",
        "not-nullable",
        "3.1-nullable-is-annotation",
        "exclusive-min-bool",
        "exclusive-max-false",
        "exclusive-numeric",
        "file",
        "annotations-kept",
    ],
)
def test_dialect_normalisation(legacy: bool, schema: dict[str, Any], expected: Any) -> None:
    """2.0/3.0 schema idioms become their JSON Schema 2020-12 form."""
    assert normalise(schema, legacy=legacy) == expected


TREE = """
openapi: 3.0.0
info: {title: T, version: "1"}
components:
  schemas:
    Node:
      type: object
      required: [value]
      properties:
        value: {type: integer}
        children: {type: array, items: {$ref: "#/components/schemas/Node"}}
        parent: {$ref: "#/components/schemas/Node", nullable: true}
    Alias: {$ref: "#/components/schemas/Node"}
paths:
  /tree:
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {$ref: "#/components/schemas/Alias"}}}}
"""


def _resolve_all(bundle: dict[str, Any]) -> None:
    """Every $ref in a bundle points at one of its $defs (what a validator needs)."""
    stack: list[Any] = [bundle]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                assert ref.startswith("#/$defs/")
                assert ref.removeprefix("#/$defs/") in bundle["$defs"]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def test_recursive_schema_loads_into_the_table(load_text: Callable[..., Api]) -> None:
    """A schema referencing itself is one table entry whose $ref points back at it."""
    api = load_text(TREE)
    node = api.schemas["Node"]
    assert node["properties"]["children"]["items"] == {"$ref": "#/$defs/Node"}
    assert node["properties"]["parent"] == {"anyOf": [{"$ref": "#/$defs/Node"}, {"type": "null"}]}
    schema = api.operations[0].responses["200"].content["application/json"]
    assert schema == {"$ref": "#/$defs/Alias"}
    assert api.deref(schema) is api.schemas["Node"]


def test_bundle_is_self_contained(load_text: Callable[..., Api]) -> None:
    """bundle() holds the transitive closure of referenced entries, and validates."""
    api = load_text(TREE)
    bundle = api.bundle(api.operations[0].responses["200"].content["application/json"])
    assert set(bundle["$defs"]) == {"Alias", "Node"}
    assert bundle["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    _resolve_all(bundle)
    validator = jsonschema.Draft202012Validator(bundle)
    assert validator.is_valid({"value": 1, "children": [{"value": 2, "parent": None}]})
    assert not validator.is_valid({"value": 1, "children": [{"value": "two"}]})


def test_deref_survives_a_ref_loop(load_text: Callable[..., Api]) -> None:
    """deref() on a $ref cycle with no concrete schema returns {} instead of looping."""
    api = load_text(
        """
        openapi: 3.0.0
        info: {title: T, version: "1"}
        components: {schemas: {A: {$ref: "#/components/schemas/B"}, B: {$ref: "#/components/schemas/A"}}}
        """
    )
    assert api.deref({"$ref": "#/$defs/A"}) == {}


def test_model_mappings_are_read_only(load_text: Callable[..., Api]) -> None:
    """The model hands out read-only mappings."""
    api = load_text(TREE)
    with pytest.raises(TypeError):
        api.schemas["X"] = {}  # type: ignore[index]


def test_external_relative_refs_across_a_folder(write: Callable[..., Path], tmp_path: Path) -> None:
    """Relative $refs reach other files, and refs inside them resolve from their own folder."""
    write(
        """
        openapi: 3.0.0
        info: {title: Split, version: "1"}
        paths:
          /pets: {$ref: "paths/pets.yaml"}
        """,
        "api/openapi.yaml",
    )
    write(
        """
        get:
          parameters: [{$ref: "../common.yaml#/components/parameters/Limit"}]
          responses:
            "200":
              description: ok
              content: {application/json: {schema: {$ref: "../schemas/Pet.yaml"}}}
        """,
        "api/paths/pets.yaml",
    )
    write(
        "components:\n  parameters:\n    Limit: {name: limit, in: query, schema: {type: integer}}\n"
        "  schemas:\n    Name: {type: string}\n",
        "api/common.yaml",
    )
    write(
        "type: object\nproperties:\n  name: {$ref: '../common.yaml#/components/schemas/Name'}\n",
        "api/schemas/Pet.yaml",
    )
    api = load(tmp_path / "api")
    op = api.operations[0]
    assert op.key == "GET /pets"
    assert (op.document, op.pointer) == (str(tmp_path / "api" / "paths" / "pets.yaml"), "/get")
    assert op.parameters[0].name == "limit"
    assert op.responses["200"].content["application/json"] == {"$ref": "#/$defs/Pet"}
    assert api.schemas["Pet"]["properties"]["name"] == {"$ref": "#/$defs/Name"}
    assert api.schemas["Name"] == {"type": "string"}
    assert api.source == str(tmp_path / "api" / "openapi.yaml")


def test_folder_with_two_roots_is_ambiguous(write: Callable[..., Path], tmp_path: Path) -> None:
    """A folder with two unrelated root documents is a SpecError listing both."""
    write("openapi: 3.0.0\ninfo: {}\n", "a.yaml")
    write('{"swagger": "2.0"}', "b.json")
    with pytest.raises(SpecError, match=r"several root documents \(a\.yaml, b\.json\)"):
        load(tmp_path)


def test_folder_root_is_the_unreferenced_one(write: Callable[..., Path], tmp_path: Path) -> None:
    """Of two documents with an openapi key, the one the other references is not the root."""
    write(
        "openapi: 3.0.0\ninfo: {title: main}\npaths:\n  /a: {$ref: 'part.yaml#/paths/~1a'}\n",
        "main.yaml",
    )
    write(
        "openapi: 3.0.0\ninfo: {title: part}\npaths:\n  /a: {get: {responses: {}}}\n", "part.yaml"
    )
    assert load(tmp_path).title == "main"


DANGLING = """
openapi: 3.0.0
info: {title: T, version: "1"}
paths:
  /a:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Missing"}
"""


def test_dangling_ref_becomes_empty_schema_with_warning(write: Callable[..., Path]) -> None:
    """A dangling schema $ref loads as {} and a warning names file, line, pointer and target."""
    path = write(DANGLING)
    api = load(path)
    schema = api.operations[0].responses["200"].content["application/json"]
    assert api.deref(schema) == {}
    (warning,) = api.warnings
    assert warning.startswith(f"{path}:12 (at /paths/~1a/get/responses/200/content/")
    assert "'#/components/schemas/Missing' does not resolve" in warning


def test_dangling_ref_is_an_error_when_strict(write: Callable[..., Path]) -> None:
    """With strict=True a dangling $ref is a one-line SpecError."""
    path = write(DANGLING)
    with pytest.raises(SpecError, match=r"Missing' does not resolve: target does not exist"):
        load(path, strict=True)


def test_dangling_file_ref_names_the_file(write: Callable[..., Path]) -> None:
    """A $ref to a missing file names the missing file."""
    path = write(DANGLING.replace("#/components/schemas/Missing", "gone.yaml#/X"))
    api = load(path)
    assert "gone.yaml: no such file" in api.warnings[0]


def test_circular_parameter_refs_are_an_error(load_text: Callable[..., Api]) -> None:
    """Non-schema $refs that loop are a SpecError rather than a hang."""
    with pytest.raises(SpecError, match="is circular"):
        load_text(
            """
            openapi: 3.0.0
            info: {}
            components: {parameters: {A: {$ref: "#/components/parameters/B"}, B: {$ref: "#/components/parameters/A"}}}
            paths: {/a: {get: {parameters: [{$ref: "#/components/parameters/A"}], responses: {}}}}
            """
        )


def test_example_data_is_not_resolved(load_text: Callable[..., Api]) -> None:
    """A "$ref" key inside example data is data, not a reference."""
    api = load_text(
        """
        openapi: 3.0.0
        info: {}
        components:
          schemas:
            Doc: {type: object, example: {$ref: "https://example.com/not/a/ref"}}
        """
    )
    assert api.schemas["Doc"]["example"] == {"$ref": "https://example.com/not/a/ref"}
    assert api.warnings == ()


def test_refs_next_to_siblings_and_in_item_lists_are_rewritten(
    load_text: Callable[..., Api],
) -> None:
    """$refs beside siblings, inside 2.0/3.0 item lists, and whole $ref'd property maps resolve."""
    api = load_text(
        """
        openapi: 3.0.0
        info: {}
        components:
          schemas:
            Base: {type: object}
            Props: {a: {type: string}}
            Child:
              $ref: "#/components/schemas/Base"
              properties: {b: {$ref: "#/components/schemas/Base"}}
            Pair: {type: array, items: [{$ref: "#/components/schemas/Base"}]}
            Shared: {type: object, properties: {$ref: "#/components/schemas/Props"}}
        """
    )
    assert api.schemas["Child"] == {
        "$ref": "#/$defs/Base",
        "properties": {"b": {"$ref": "#/$defs/Base"}},
    }
    assert api.schemas["Pair"] == {"type": "array", "prefixItems": [{"$ref": "#/$defs/Base"}]}
    assert api.schemas["Shared"]["properties"] == {"a": {"type": "string"}}


def test_folder_given_by_a_relative_path_with_dotdot(
    write: Callable[..., Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A folder named through '..' still finds its root (only hidden folders inside it are skipped)."""
    write("openapi: 3.0.0\ninfo: {title: up}\n", "spec/openapi.yaml")
    write("openapi: 3.0.0\ninfo: {title: hidden}\n", "spec/.cache/openapi.yaml")
    (tmp_path / "work").mkdir()
    monkeypatch.chdir(tmp_path / "work")
    assert load("../spec").title == "up"


def test_unsupported_ref_schemes_are_dangling(load_text: Callable[..., Api]) -> None:
    """$refs to ftp:, mailto: or malformed URLs are dangling refs (warnings), not crashes."""
    api = load_text(
        """
        openapi: 3.0.0
        info: {}
        components: {schemas: {A: {$ref: "http://[::1"}, B: {$ref: "ftp://x/y"}}}
        """
    )
    assert len(api.warnings) == 2
    assert all("not a file or http(s) reference" in warning for warning in api.warnings)


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "integer"}, {"integer"}),
        ({"type": ["string", "null"]}, {"string", "null"}),
        ({"anyOf": [{"type": "number"}, {"type": "string"}]}, {"number", "string"}),
        ({"oneOf": [{"type": "integer"}, {"type": "null"}]}, {"integer", "null"}),
        ({"type": "string", "anyOf": [{"format": "email"}, {"format": "uri"}]}, {"string"}),
        ({"anyOf": [{"$ref": "#/components/schemas/Money"}]}, set()),
        ({"allOf": [{"type": "object"}]}, set()),
    ],
)
def test_json_types_read_inline_options_when_no_type_is_declared(
    schema: dict[str, Any], expected: set[str]
) -> None:
    """Pydantic's ``Decimal`` and ``Optional`` fields declare their types only in ``anyOf``."""
    assert json_types(schema) == expected
