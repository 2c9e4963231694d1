"""Swagger 2.0 documents are normalised to the OpenAPI 3 shape."""

from __future__ import annotations

from collections.abc import Callable

from apiward.spec import Api

SWAGGER = """
swagger: "2.0"
info: {title: S, version: "1"}
host: api.example.com
basePath: /v2/
schemes: [https, http]
consumes: [application/json, application/xml]
securityDefinitions:
  basic: {type: basic}
  key: {type: apiKey, in: query, name: api_key}
  app: {type: oauth2, flow: application, tokenUrl: "https://t", scopes: {admin: a}}
  code: {type: oauth2, flow: accessCode, authorizationUrl: "https://a", tokenUrl: "https://t", scopes: {}}
security: [{basic: []}]
definitions:
  Pet: {type: object, properties: {name: {type: string, x-nullable: true}}}
paths:
  /pets:
    post:
      parameters:
        - {name: pet, in: body, required: true, schema: {$ref: "#/definitions/Pet"}}
        - {name: tags, in: query, type: array, items: {type: string}, collectionFormat: multi}
      responses:
        "200": {description: ok, schema: {$ref: "#/definitions/Pet"}, headers: {X-Rate: {type: integer}}}
  /upload:
    post:
      consumes: [multipart/form-data]
      security: []
      parameters:
        - {name: file, in: formData, type: file, required: true}
        - {name: note, in: formData, type: string}
      responses: {"204": {description: done}}
  /login:
    post:
      parameters:
        - {name: user, in: formData, type: string, required: true}
      responses: {"204": {description: done}}
"""


def test_host_base_path_and_schemes_become_servers(load_text: Callable[..., Api]) -> None:
    """schemes × host + basePath become server URLs."""
    api = load_text(SWAGGER)
    assert [s.url for s in api.servers] == [
        "https://api.example.com/v2",
        "http://api.example.com/v2",
    ]


def test_body_parameter_becomes_request_body(load_text: Callable[..., Api]) -> None:
    """`in: body` becomes a request body for each consumes media type."""
    op = load_text(SWAGGER).operation("POST", "/pets")
    assert op is not None
    assert op.request_body is not None
    assert op.request_body.required
    assert dict(op.request_body.content) == {
        "application/json": {"$ref": "#/$defs/Pet"},
        "application/xml": {"$ref": "#/$defs/Pet"},
    }
    assert [p.name for p in op.parameters] == ["tags"]
    assert (op.parameters[0].style, op.parameters[0].explode) == ("form", True)
    assert op.parameters[0].schema == {"type": "array", "items": {"type": "string"}}
    assert op.responses["200"].headers["X-Rate"] == {"type": "integer"}


def test_form_data_becomes_an_object_body(load_text: Callable[..., Api]) -> None:
    """formData parameters become one object schema: multipart with a file, urlencoded otherwise."""
    api = load_text(SWAGGER)
    upload = api.operation("POST", "/upload")
    login = api.operation("POST", "/login")
    assert upload is not None
    assert login is not None
    assert upload.request_body is not None
    assert login.request_body is not None
    assert dict(upload.request_body.content) == {
        "multipart/form-data": {
            "type": "object",
            "properties": {
                "file": {"type": "string", "format": "binary"},
                "note": {"type": "string"},
            },
            "required": ["file"],
        }
    }
    assert list(login.request_body.content) == ["application/x-www-form-urlencoded"]


def test_security_definitions_use_openapi3_names(load_text: Callable[..., Api]) -> None:
    """basic becomes http/basic; application and accessCode become 3.x flow names."""
    api = load_text(SWAGGER)
    schemes = api.security_schemes
    assert (schemes["basic"].type, schemes["basic"].scheme) == ("http", "basic")
    assert (schemes["key"].location, schemes["key"].parameter_name) == ("query", "api_key")
    assert list(schemes["app"].flows) == ["clientCredentials"]
    assert list(schemes["code"].flows) == ["authorizationCode"]
    assert schemes["code"].flows["authorizationCode"].authorization_url == "https://a"
    assert api.operation("POST", "/upload").security == ()  # type: ignore[union-attr]
    assert api.operation("POST", "/pets").security == ({"basic": ()},)  # type: ignore[union-attr]


def test_definitions_become_the_schema_table(load_text: Callable[..., Api]) -> None:
    """definitions/X is table entry X, in the 2020-12 dialect."""
    api = load_text(SWAGGER)
    assert api.schemas["Pet"]["properties"]["name"] == {"type": ["string", "null"]}


def test_no_host_gives_a_relative_server(load_text: Callable[..., Api]) -> None:
    """Without host, the server is the base path alone."""
    api = load_text("swagger: '2.0'\ninfo: {}\nbasePath: /api\npaths: {}\n")
    assert [s.url for s in api.servers] == ["/api"]
