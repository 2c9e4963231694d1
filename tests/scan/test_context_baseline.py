"""Context.baseline: harvested ids fill every slot, except a login's: no probe names a real account."""

from __future__ import annotations

from pathlib import Path

import pytest

from apiward.scan.canary import Canary
from apiward.scan.context import Context
from apiward.scan.harvest import Harvest
from apiward.scan.identities import Identity, Login
from apiward.scan.sessions import Sessions
from apiward.scan.synthesis import Synthesizer
from apiward.scan.transport import Transport
from apiward.scan.withhold import Withheld
from apiward.spec import Api, Operation, load

CREDENTIALS = """
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties: {username: {type: string}, password: {type: string}}
      responses: {'200': {description: ok}}"""
SPEC = f"""
openapi: 3.1.0
info: {{title: t, version: '1'}}
paths:
  /auth/access:
    post:{CREDENTIALS}
  /signin:
    post:{CREDENTIALS}
  /users/{{username}}:
    get:
      parameters: [{{name: username, in: path, required: true, schema: {{type: string}}}}]
      responses: {{'200': {{description: ok}}}}
    put:
      parameters: [{{name: username, in: path, required: true, schema: {{type: string}}}}]{CREDENTIALS}
  /spaces/{{slug}}/members/{{username}}:
    patch:
      parameters:
        - {{name: slug, in: path, required: true, schema: {{type: string}}}}
        - {{name: username, in: path, required: true, schema: {{type: string}}}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                headline: {{type: string}}
                role: {{type: string, enum: [member, manager]}}
      responses: {{'200': {{description: ok}}}}
    put:
      parameters:
        - {{name: slug, in: path, required: true, schema: {{type: string}}}}
        - {{name: username, in: path, required: true, schema: {{type: string}}}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                headline: {{type: string}}
                role: {{type: string, enum: [member, manager]}}
      responses: {{'200': {{description: ok}}}}
"""
ALICE = Identity(
    name="alice",
    login=Login(method="POST", path="/auth/access", body={"username": "alice", "password": "pw-1"}),
)


@pytest.fixture
def ctx(tmp_path: Path) -> Context:
    """A context whose harvest knows alice's own username."""
    path = tmp_path / "spec.yaml"
    path.write_text(SPEC)
    api = load(path)
    synthesizer = Synthesizer(api, url="http://127.0.0.1:9/canary")
    harvest = Harvest(synthesizer)
    harvest.record_own(ALICE, "username", "alice")
    return Context(
        api=api,
        sessions=Sessions(Transport("http://127.0.0.1:9"), (ALICE,)),
        synthesizer=synthesizer,
        harvest=harvest,
        canary=Canary(),
    )


def _op(api: Api, key: str) -> Operation:
    method, path = key.split(" ", 1)
    found = api.operation(method, path)
    assert found is not None
    return found


def test_other_operations_carry_the_identitys_own_ids(ctx: Context) -> None:
    """GET and PUT /users/{username} name alice, in the path and the body."""
    put = ctx.baseline(_op(ctx.api, "PUT /users/{username}"), ALICE)
    assert put.path_params == {"username": "alice"}
    assert isinstance(put.body, dict)
    assert put.body["username"] == "alice"


@pytest.mark.parametrize("key", ["POST /auth/access", "POST /signin"], ids=["identity's", "named"])
def test_a_login_baseline_names_an_account_nobody_has(ctx: Context, key: str) -> None:
    """Each probe of a login is a failed login: never for alice, whom enough would lock out."""
    body = ctx.baseline(_op(ctx.api, key), ALICE).body
    assert isinstance(body, dict)
    assert body["username"] not in {"alice", ""}


def test_an_update_leaves_out_an_optional_privilege_field(ctx: Context) -> None:
    """alice's own PATCH of her directory card carries its headline, not the optional
    ``role``: a write that set a privilege was withheld, and the Django Ninja trial's member
    update never tested. A PUT keeps it (a field left out of a replacement may be reset),
    and so is withheld; the baseline checks attack from keeps it too."""
    ctx.harvest.record_own(ALICE, "slug", "lovelace")  # her space
    patch = _op(ctx.api, "PATCH /spaces/{slug}/members/{username}")
    legit = ctx.legit_request(patch, ALICE)
    assert isinstance(legit.body, dict)
    assert "headline" in legit.body
    assert "role" not in legit.body
    assert "role" in (ctx.baseline(patch, ALICE).body or {})
    with pytest.raises(Withheld, match="role"):
        ctx.legit_request(_op(ctx.api, "PUT /spaces/{slug}/members/{username}"), ALICE)
