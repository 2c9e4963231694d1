"""Logins, sign-ups and password resets are found by an operation's words, one vocabulary."""

from __future__ import annotations

from pathlib import Path

import pytest

from apiward.scan.flows import LOGIN, is_public_flow, says_public
from apiward.spec import Api, Operation, load

_PUBLIC = "{security: [], responses: {'200': {description: ok}}}"
_PRIVATE = "{responses: {'200': {description: ok}}}"
SPEC = f"""
openapi: 3.1.0
info: {{title: t, version: '1'}}
components: {{securitySchemes: {{bearer: {{type: http, scheme: bearer}}}}}}
security: [{{bearer: []}}]
paths:
  /api/v2/auth/login: {{post: {_PUBLIC}}}
  /users/register: {{post: {_PUBLIC}}}
  /password/forgot: {{post: {_PUBLIC}}}
  /accounts:
    post: {{operationId: createAccount, security: [], responses: {{'201': {{description: made}}}}}}
  /oauth2/token: {{post: {_PUBLIC}}}
  /authors: {{post: {_PUBLIC}}}
  /payments/{{id}}/authorisations: {{post: {_PUBLIC}}}
  /orders/{{id}}/pay: {{post: {_PUBLIC}}}
  /me/sessions: {{post: {_PRIVATE}}}
  /me/credentials: {{post: {_PRIVATE}}}
"""


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Api:
    """Public and private POSTs named the ways people name them."""
    path: Path = tmp_path_factory.mktemp("spec") / "spec.yaml"
    path.write_text(SPEC)
    return load(path)


@pytest.mark.parametrize(
    ("key", "public_flow"),
    [
        ("POST /api/v2/auth/login", True),
        ("POST /users/register", True),
        ("POST /password/forgot", True),
        ("POST /accounts", True),
        ("POST /oauth2/token", True),
        ("POST /authors", False),
        ("POST /payments/{id}/authorisations", False),
        ("POST /orders/{id}/pay", False),
        ("POST /me/sessions", False),
    ],
    ids=[
        "login",
        "sign-up",
        "password-reset",
        "create-account",
        "oauth-token",
        "authors",
        "authorisations",
        "an-action",
        "a-private-login",
    ],
)
def test_a_public_post_named_like_a_login_sign_up_or_reset_is_a_public_flow(
    api: Api, key: str, public_flow: bool
) -> None:
    """Public by design: logins, sign-ups and resets; not ``author``, not a private POST."""
    operation = next(op for op in api.operations if op.key == key)
    assert is_public_flow(operation, ()) is public_flow


def test_an_identitys_login_is_a_public_flow_whatever_its_name(api: Api) -> None:
    """The operation an identity logs in with is a public flow, named so or not."""
    operation = next(op for op in api.operations if op.key == "POST /me/credentials")
    assert not is_public_flow(operation, ())
    assert is_public_flow(operation, {"POST /me/credentials"})


@pytest.mark.parametrize(
    "name", ["login", "log_in", "signIn", "auth", "oauth2", "authenticate", "refresh-token"]
)
def test_login_words(name: str) -> None:
    """The words that name a login, in the spellings APIs use."""
    assert LOGIN.search(name)


@pytest.mark.parametrize("name", ["author", "authors", "authorisations", "blogging"])
def test_words_that_only_look_like_a_login(name: str) -> None:
    """Words that hold a login word's letters but name something else."""
    assert not LOGIN.search(name)


def _read(tmp_path: Path, words: str) -> Operation:
    path = tmp_path / "spec.yaml"
    path.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n"
        f"  /users/{{id}}: {{get: {{{words}, responses: {{'200': {{description: ok}}}}}}}}\n"
    )
    [operation] = load(path).operations
    return operation


@pytest.mark.parametrize(
    ("words", "public"),
    [
        ("summary: Public profile of a user", True),
        ("description: 'Profiles are publicly visible.'", True),
        ("tags: [Public]", True),
        ("summary: A user's publications", False),
        ("summary: Profile of a user (not public)", False),
        ("description: A non-public profile", False),
        ("summary: Public and private fields of a user", False),
        ("summary: A user", False),
        ("tags: [Public API]", False),
        ("description: 'Not rate limited for public clients.'", False),
    ],
    ids=[
        "summary",
        "description",
        "tag",
        "publications",
        "not-public",
        "non-public",
        "and-private",
        "silent",
        "public-api",
        "public-clients",
    ],
)
def test_a_read_is_public_when_its_contract_says_so(
    tmp_path: Path, words: str, public: bool
) -> None:
    """The word public in summary, description or tag, not negated and with no private beside it."""
    assert says_public(_read(tmp_path, words)) is public


def _answered(
    tmp_path: Path, answer: str, schema: str = "User: {type: object}"
) -> tuple[Api, Operation]:
    path = tmp_path / "answer.yaml"
    name = schema.split(":", 1)[0]
    path.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n"
        "  /users/{id}:\n    get:\n      summary: A user\n      responses:\n"
        f"        '200': {{{answer}, content: {{application/json: "
        f"{{schema: {{$ref: '#/components/schemas/{name}'}}}}}}}}\n"
        "        '404': {description: Not a public user}\n"
        f"components: {{schemas: {{{schema}}}}}\n"
    )
    api = load(path)
    return api, api.operations[0]


@pytest.mark.parametrize(
    ("answer", "schema", "public"),
    [
        ("description: Public profile", "User: {type: object}", True),
        ("description: ok", "PublicUser: {type: object}", True),
        ("description: ok", "User: {type: object, title: Public view of a user}", True),
        (
            "description: ok",
            "User: {type: object, description: 'What anyone sees, publicly'}",
            True,
        ),
        ("description: Profile (not public)", "User: {type: object}", False),
        ("description: ok", "NonPublicUser: {type: object}", False),
        ("description: Public and private fields", "User: {type: object}", False),
        ("description: ok", "User: {type: object}", False),
    ],
    ids=[
        "response-description",
        "schema-name",
        "schema-title",
        "schema-description",
        "not-public",
        "non-public-name",
        "and-private",
        "silent",
    ],
)
def test_a_read_is_public_when_its_success_answer_says_so(
    tmp_path: Path, answer: str, schema: str, public: bool
) -> None:
    """The 200 answer's description, its schema's title, description or name count too;
    an error answer's words (404 "Not a public user") do not."""
    api, operation = _answered(tmp_path, answer, schema)
    assert says_public(operation, api) is public
