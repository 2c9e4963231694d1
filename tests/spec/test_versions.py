"""Each supported version loads into the same model; anything else is a clear error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from apiward.core.errors import SpecError
from apiward.spec import Api, ParameterLocation, load

OAS30 = """
openapi: 3.0.3
info: {title: Pets, version: "1.0"}
servers: [{url: "https://{env}.example.com/v1", variables: {env: {default: api}}}]
paths:
  /pets/{id}:
    get:
      operationId: getPet
      parameters: [{name: id, in: path, schema: {type: integer}}]
      responses:
        "200":
          description: a pet
          content: {application/json: {schema: {type: object}}}
"""


def test_openapi_30_loads(load_text: Callable[..., Api]) -> None:
    """An OpenAPI 3.0 document gives its title, versions, servers and operations."""
    api = load_text(OAS30)
    assert (api.title, api.version, api.spec_version) == ("Pets", "1.0", "3.0.3")
    assert api.servers[0].url == "https://{env}.example.com/v1"
    assert api.servers[0].variables == {"env": "api"}
    op = api.operation("get", "/pets/{id}")
    assert op is not None
    assert op.key == "GET /pets/{id}"
    assert op.pointer == "/paths/~1pets~1{id}/get"
    assert op.parameters[0].location is ParameterLocation.PATH
    assert op.parameters[0].required
    assert op.responses["200"].content["application/json"] == {"type": "object"}
    assert api.by_id("getPet") is op


def test_openapi_31_json_loads(write: Callable[..., Path]) -> None:
    """A JSON OpenAPI 3.1 document loads, and without servers the server is '/'."""
    path = write(
        '{"openapi": "3.1.0", "info": {"title": "T", "version": "2"},'
        ' "paths": {"/a": {"post": {"responses": {"204": {"description": "x"}}}}}}',
        "spec.json",
    )
    api = load(path)
    assert api.spec_version == "3.1.0"
    assert [op.key for op in api.operations] == ["POST /a"]
    assert api.servers[0].url == "/"


def test_openapi_32_is_treated_like_31(load_text: Callable[..., Api]) -> None:
    """OpenAPI 3.2 loads with the 3.1 rules."""
    api = load_text("openapi: 3.2.0\ninfo: {title: T, version: '1'}\npaths: {}\n")
    assert api.spec_version == "3.2.0"


def test_swagger_20_loads(load_text: Callable[..., Api]) -> None:
    """A Swagger 2.0 document loads into the same model."""
    api = load_text(
        """
        swagger: "2.0"
        info: {title: S, version: "0.1"}
        paths:
          /x: {get: {responses: {"200": {description: ok}}}}
        """
    )
    assert api.spec_version == "2.0"
    assert api.operations[0].key == "GET /x"


def test_operations_sorted_by_path_then_method(load_text: Callable[..., Api]) -> None:
    """Operations come sorted by path, then method."""
    api = load_text(
        """
        openapi: 3.0.0
        info: {title: T, version: "1"}
        paths:
          /b: {post: {responses: {}}, get: {responses: {}}}
          /a: {put: {responses: {}}}
        """
    )
    assert [op.key for op in api.operations] == ["PUT /a", "GET /b", "POST /b"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- a\n- b\n", "not a mapping"),
        ("title: hello\n", "no top-level openapi or swagger key"),
        ("openapi: 4.0.0\ninfo: {}\n", "(at /openapi): unsupported openapi version '4.0.0'"),
        ("swagger: '1.2'\n", "unsupported swagger version"),
        ("openapi: 3.0.0\npaths: [1, 2]\n", ":2 (at /paths): must be a mapping"),
        (
            "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      parameters: {a: 1}\n",
            ":5 (at /paths/~1a/get/parameters): must be a list",
        ),
        (
            "openapi: 3.0.0\npaths:\n  /a:\n    get:\n      parameters: [{name: a}]\n",
            "(at /paths/~1a/get/parameters/0): a parameter needs a name and 'in'",
        ),
    ],
    ids=["list", "no-version", "openapi-4", "swagger-1.2", "paths-list", "params-map", "no-in"],
)
def test_not_a_usable_spec_is_one_line(
    write: Callable[..., Path], text: str, expected: str
) -> None:
    """Documents the model cannot use fail with one line naming the file and where."""
    path = write(text)
    with pytest.raises(SpecError) as caught:
        load(path)
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith(str(path))
    assert expected in message


def test_broken_yaml_gives_the_line(write: Callable[..., Path]) -> None:
    """Invalid YAML is a SpecError with the line it breaks on."""
    path = write("openapi: 3.0.0\ninfo:\n  title: [unclosed\n  version: 1\npaths: {}\n")
    with pytest.raises(SpecError) as caught:
        load(path)
    assert caught.value.line is not None
    assert str(caught.value).startswith(f"{path}:")
    assert "invalid YAML" in str(caught.value)


def test_broken_json_gives_the_line(write: Callable[..., Path]) -> None:
    """Invalid JSON is a SpecError with its line."""
    path = write('{"openapi": "3.0.0",\n "paths": {,}}\n', "spec.json")
    with pytest.raises(SpecError, match=r"spec\.json:2: invalid JSON"):
        load(path)


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    """A path that does not exist is a SpecError naming it."""
    with pytest.raises(SpecError, match="no such file"):
        load(tmp_path / "nope.yaml")


def test_yaml_quirks_load(load_text: Callable[..., Api]) -> None:
    """Bare '=', invalid dates and YAML 1.1 booleans such as NO (all in real specs) are strings."""
    api = load_text(
        """
        openapi: 3.0.0
        info: {title: T, version: "1"}
        components:
          schemas:
            Op: {type: string, enum: [=, "<"]}
            When: {type: string, example: 2020-01-01T25:61:61Z}
            Country: {type: string, enum: [NO, yes, on, true]}
        paths: {}
        """
    )
    assert api.schemas["Op"]["enum"] == ["=", "<"]
    assert api.schemas["When"]["example"] == "2020-01-01T25:61:61Z"
    assert api.schemas["Country"]["enum"] == ["NO", "yes", "on", True]


def test_alias_bomb_is_bounded(write: Callable[..., Path]) -> None:
    """YAML aliases that expand exponentially stop with a SpecError, not memory exhaustion."""
    levels = ["a0: &a0 {type: string}"]
    for i in range(1, 30):
        levels.append(f"a{i}: &a{i} {{allOf: [*a{i - 1}, *a{i - 1}, *a{i - 1}]}}")
    body = "\n".join(f"    {line}" for line in levels)
    path = write(f"openapi: 3.0.0\ninfo: {{}}\ncomponents:\n  schemas:\n{body}\npaths: {{}}\n")
    with pytest.raises(SpecError, match="alias bomb"):
        load(path)


def test_self_referencing_alias_is_an_error(write: Callable[..., Path]) -> None:
    """A YAML alias that contains itself ends in a SpecError, not a RecursionError."""
    path = write(
        "openapi: 3.0.0\ninfo: {}\ncomponents:\n  schemas:\n"
        "    Loop: &loop {allOf: [*loop]}\npaths: {}\n"
    )
    with pytest.raises(SpecError):
        load(path)


def test_file_over_the_size_limit_is_refused(write: Callable[..., Path]) -> None:
    """A file larger than max_bytes is refused before it is parsed."""
    path = write("openapi: 3.0.0\n" + "#" * 2000 + "\n")
    with pytest.raises(SpecError, match="more than the 1000 allowed"):
        load(path, max_bytes=1000)
