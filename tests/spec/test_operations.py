"""Operations inherit parameters, security and servers the way OpenAPI says."""

from __future__ import annotations

from collections.abc import Callable

from apiward.spec import Api, ParameterLocation

MERGE = """
openapi: 3.0.0
info: {title: T, version: "1"}
components:
  parameters:
    Trace: {name: X-Trace, in: header, schema: {type: string}}
paths:
  /items/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
      - {name: limit, in: query, schema: {type: integer}}
      - $ref: "#/components/parameters/Trace"
    get:
      parameters:
        - {name: limit, in: query, schema: {type: integer, maximum: 10}, style: form, explode: false}
        - {name: limit, in: header, schema: {type: string}}
      responses: {}
"""


def test_operation_parameters_override_path_item_ones(load_text: Callable[..., Api]) -> None:
    """Path-item and operation parameters merge; the operation wins per (name, location)."""
    op = load_text(MERGE).operations[0]
    by_key = {(p.name, p.location): p for p in op.parameters}
    assert set(by_key) == {
        ("id", ParameterLocation.PATH),
        ("limit", ParameterLocation.QUERY),
        ("limit", ParameterLocation.HEADER),
        ("X-Trace", ParameterLocation.HEADER),
    }
    limit = by_key[("limit", ParameterLocation.QUERY)]
    assert limit.schema == {"type": "integer", "maximum": 10}
    assert (limit.style, limit.explode) == ("form", False)


def test_parameter_refs_are_inlined(load_text: Callable[..., Api]) -> None:
    """A $ref'd parameter is inlined, keeping where it was defined as its pointer."""
    op = load_text(MERGE).operations[0]
    trace = next(p for p in op.parameters if p.name == "X-Trace")
    assert trace.schema == {"type": "string"}
    assert trace.pointer == "/components/parameters/Trace"


SECURITY = """
openapi: 3.1.0
info: {title: T, version: "1"}
security: [{key: []}]
components:
  securitySchemes:
    key: {type: apiKey, in: header, name: X-Key}
    oauth:
      type: oauth2
      flows: {authorizationCode: {authorizationUrl: "https://a", tokenUrl: "https://t", scopes: {read: r, write: w}}}
paths:
  /inherit: {get: {responses: {}}}
  /override: {get: {security: [{oauth: [read, write]}], responses: {}}}
  /public: {get: {security: [], responses: {}}}
  /optional: {get: {security: [{}, {key: []}], responses: {}}}
  /anonymous: {get: {security: [{}], responses: {}}}
"""


def test_security_inheritance_override_public_optional(load_text: Callable[..., Api]) -> None:
    """Global security applies unless the operation overrides it; [] is public; {} is optional."""
    api = load_text(SECURITY)
    inherit = api.operation("GET", "/inherit")
    override = api.operation("GET", "/override")
    public = api.operation("GET", "/public")
    optional = api.operation("GET", "/optional")
    anonymous = api.operation("GET", "/anonymous")
    assert inherit is not None
    assert override is not None
    assert public is not None
    assert optional is not None
    assert anonymous is not None
    assert inherit.security == ({"key": ()},)
    assert override.security == ({"oauth": ("read", "write")},)
    assert public.security == ()
    assert public.is_public
    assert not public.auth_optional
    assert optional.security == ({}, {"key": ()})
    assert optional.auth_optional
    assert not optional.is_public
    assert anonymous.is_public
    assert not inherit.is_public


def test_security_declared_tells_public_from_unsaid(load_text: Callable[..., Api]) -> None:
    """`security: []` is declared (public on purpose); no `security` anywhere is not declared."""
    unsaid = load_text(SECURITY.replace("security: [{key: []}]\n", "", 1))
    assert unsaid.operation("GET", "/inherit").security_declared is False  # type: ignore[union-attr]
    assert unsaid.operation("GET", "/public").security_declared is True  # type: ignore[union-attr]
    said = load_text(SECURITY)
    assert all(op.security_declared for op in said.operations)


def test_security_schemes_are_read(load_text: Callable[..., Api]) -> None:
    """Security schemes keep their type, location, parameter name and flows."""
    api = load_text(SECURITY)
    key = api.security_schemes["key"]
    assert (key.type, key.location, key.parameter_name) == ("apiKey", "header", "X-Key")
    flow = api.security_schemes["oauth"].flows["authorizationCode"]
    assert (flow.authorization_url, flow.token_url) == ("https://a", "https://t")
    assert dict(flow.scopes) == {"read": "r", "write": "w"}


def test_servers_inherit_from_operation_path_item_and_root(load_text: Callable[..., Api]) -> None:
    """An operation's servers are its own, else its path item's, else the document's."""
    api = load_text(
        """
        openapi: 3.0.0
        info: {title: T, version: "1"}
        servers: [{url: "https://root"}]
        paths:
          /a:
            servers: [{url: "https://item"}]
            get: {responses: {}}
            put: {servers: [{url: "https://op"}], responses: {}}
          /b: {get: {responses: {}}}
        """
    )
    urls = {op.key: [s.url for s in op.servers] for op in api.operations}
    assert urls == {
        "GET /a": ["https://item"],
        "PUT /a": ["https://op"],
        "GET /b": ["https://root"],
    }


def test_request_body_and_response_refs_are_inlined(load_text: Callable[..., Api]) -> None:
    """requestBodies, responses and headers referenced by $ref are inlined."""
    api = load_text(
        """
        openapi: 3.0.0
        info: {title: T, version: "1"}
        components:
          requestBodies:
            Body: {required: true, content: {application/json: {schema: {type: object}}}}
          headers:
            Rate: {schema: {type: integer}}
          responses:
            Ok: {description: fine, headers: {X-Rate: {$ref: "#/components/headers/Rate"}}}
        paths:
          /a: {post: {requestBody: {$ref: "#/components/requestBodies/Body"}, responses: {"200": {$ref: "#/components/responses/Ok"}}}}
        """
    )
    op = api.operations[0]
    assert op.request_body is not None
    assert op.request_body.required
    assert op.request_body.content["application/json"] == {"type": "object"}
    assert op.responses["200"].description == "fine"
    assert op.responses["200"].headers["X-Rate"] == {"type": "integer"}


def test_webhooks_and_x_ms_paths_are_not_operations(load_text: Callable[..., Api]) -> None:
    """Only `paths` yields operations: webhooks and x-ms-paths are not requests to this API."""
    api = load_text(
        """
        openapi: 3.1.0
        info: {title: T, version: "1"}
        webhooks: {ping: {post: {responses: {}}}}
        x-ms-paths: {"/a?x=1": {get: {responses: {}}}}
        """
    )
    assert api.operations == ()


FORGOTTEN = """
openapi: 3.1.0
info: {title: T, version: "1"}
paths:
  /teams/{team_id}/boards/{board_id}:
    get:
      parameters:
        - {name: board_id, in: path, required: true, schema: {type: string}}
      responses: {}
    delete:
      parameters:
        - {name: team_id, in: path, required: true, schema: {type: integer}}
        - {name: board_id, in: path, required: true, schema: {type: string}}
      responses: {}
  /labels/{label}:
    get: {responses: {}}
"""


def test_a_template_name_the_contract_forgot_is_still_a_path_parameter(
    load_text: Callable[..., Api],
) -> None:
    """``{team_id}`` left undeclared takes the schema its sibling declares; a warning names it."""
    api = load_text(FORGOTTEN)
    read = api.operation("GET", "/teams/{team_id}/boards/{board_id}")
    assert read is not None
    team = next(p for p in read.parameters if p.name == "team_id")
    assert (team.location, team.required, team.schema) == (
        ParameterLocation.PATH,
        True,
        {"type": "integer"},
    )
    assert any("{team_id} is not declared" in w for w in api.warnings)


def test_a_forgotten_name_nobody_declares_is_a_string(load_text: Callable[..., Api]) -> None:
    """With no declaration anywhere, the forgotten ``{label}`` is a required string."""
    label = load_text(FORGOTTEN).operation("GET", "/labels/{label}")
    assert label is not None
    assert [(p.name, p.location, p.schema) for p in label.parameters] == [
        ("label", ParameterLocation.PATH, {"type": "string"})
    ]
