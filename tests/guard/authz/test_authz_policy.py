"""The authorization section: YAML keys, hooks by import path or name, and start-up errors."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.append(str(Path(__file__).parent))

from authz_support import refusal, request, stage

from apiward.core.errors import ConfigError
from apiward.guard.policy import AuthorizationPolicy, OwnershipRule, ParamRef, Policy

pytestmark = pytest.mark.anyio

SECTION = """\
authorization:
  contract_scopes: true
  roles_hook: "authz_hooks:roles"
  operations:
    "DELETE /promo-codes/{code}": {roles: [admin]}
    "* /admin/**": {roles: [admin]}
  tags:
    users: {scopes: ["users:read"]}
  ownership:
    - operation: "GET /accounts/{account_id}"
      param: {in: path, name: account_id}
      hook: "authz_hooks:owner"
      unless_roles: [admin]
    - operation: "POST /items"
      param: {in: body, name: /lines/*/account}
      hook: accounts
      unknown: pass
      on_error: allow
  hook_timeout: 0.5
"""


def _load(tmp_path: Path, text: str, **kw: Any) -> Policy:
    path = tmp_path / "apiward.yaml"
    path.write_text(text)
    return Policy.load(path, **kw)


async def named(ctx: Any, value: Any) -> str:
    """A hook handed over in Python, referred to by name in the file."""
    return "alice"


async def test_the_section_loads_into_records(tmp_path: Path) -> None:
    """Every key of the section reaches the frozen records the stage is built from."""
    policy = _load(tmp_path, SECTION, hooks={"accounts": named}).authorization
    assert policy is not None
    assert policy.operations["* /admin/**"].roles == ("admin",)
    assert policy.tags["users"].scopes == ("users:read",)
    first, second = policy.ownership
    assert first.param == ParamRef(location="path", name="account_id")
    assert first.unless_roles == ("admin",)
    assert (second.unknown, second.on_error, second.hook) == ("pass", "allow", "accounts")
    assert policy.hook_timeout == 0.5
    authz = stage(policy)
    assert await refusal(authz, request("GET", "/accounts/1")) is None
    assert await refusal(authz, request("GET", "/accounts/2")) is not None
    assert await refusal(authz, request("GET", "/accounts/2", principal="root")) is None


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("authorization:\n  operations:\n    GETT /x: {roles: [a]}\n", 3, "GETT /x"),
        ("authorization:\n  operations:\n    GET /x: {}\n", 3, "less than 1 property"),
        ("authorization:\n  roles: [admin]\n", 2, "roles"),
        (
            "authorization:\n  ownership:\n    - operation: GET /x\n      param: {in: path, name: x}\n",
            3,
            "not valid under any",
        ),
        (
            "authorization:\n  ownership:\n    - {operation: GET /x, param: {in: cookie, name: x},"
            " equals_claim: sub}\n",
            3,
            "cookie",
        ),
    ],
    ids=["method", "empty-requirement", "unknown-key", "no-claim-or-hook", "location"],
)
def test_errors_name_the_line(tmp_path: Path, text: str, line: int, words: str) -> None:
    """A wrong authorization section fails to load with its line and what is wrong."""
    with pytest.raises(ConfigError) as failed:
        _load(tmp_path, text)
    assert failed.value.line == line
    assert words in str(failed.value)


def _owner_rule(hook: Any, **kw: Any) -> AuthorizationPolicy:
    rule = OwnershipRule(
        operation="GET /accounts/{account_id}",
        param=ParamRef(location="path", name="account_id"),
        hook=hook,
    )
    return AuthorizationPolicy(ownership=(rule,), **kw)


@pytest.mark.parametrize(
    ("hook", "words"),
    [
        ("no_such_module_here:owner", "cannot import hook 'no_such_module_here:owner'"),
        ("authz_hooks:missing", "authz_hooks has no 'missing'"),
        ("authz_hooks:blocking_owner", "must be an 'async def'"),
        ("accounts", "no hook named 'accounts'"),
    ],
    ids=["module", "attribute", "not-async", "unknown-name"],
)
def test_hooks_that_cannot_be_used_stop_the_start(hook: str, words: str) -> None:
    """A missing or synchronous hook is a ConfigError at start-up, never a per-request surprise."""
    with pytest.raises(ConfigError, match=words) as failed:
        stage(_owner_rule(hook))
    assert failed.value.pointer == "/authorization/ownership/0/hook"


@pytest.mark.parametrize(
    "hook", ["authz_hooks:owner", "authz_hooks:Accounts", "accounts"], ids=["path", "class", "name"]
)
async def test_hook_forms(hook: str) -> None:
    """A hook is a function or a class with an owner method, by import path or by name."""
    authz = stage(_owner_rule(hook, hooks={"accounts": named}))
    assert await refusal(authz, request("GET", "/accounts/1")) is None
    assert await refusal(authz, request("GET", "/accounts/1", principal="bob")) is not None


@pytest.mark.parametrize(
    ("operation", "where", "name", "words"),
    [
        ("GET /nowhere", "path", "x", "'GET /nowhere' is not an operation"),
        ("GET /accounts/{account_id}", "path", "id", "declares no path parameter 'id'"),
        ("GET /accounts/{account_id}", "query", "account_id", "declares no query parameter"),
        ("GET /accounts/{account_id}", "body", "account", "takes no request body"),
    ],
    ids=["operation", "path-name", "wrong-location", "no-body"],
)
def test_rules_must_fit_the_contract(operation: str, where: str, name: str, words: str) -> None:
    """An ownership rule naming a parameter the operation does not have is refused at start-up."""
    rule = OwnershipRule(
        operation=operation, param=ParamRef(location=where, name=name), equals_claim="sub"
    )
    with pytest.raises(ConfigError, match=words):
        stage(AuthorizationPolicy(ownership=(rule,)))


def test_a_rule_needs_exactly_one_of_claim_or_hook() -> None:
    """equals_claim and hook together (or neither) is refused in Python too."""
    with pytest.raises(ConfigError, match="exactly one of equals_claim or hook"):
        OwnershipRule(
            operation="GET /x",
            param=ParamRef(location="path", name="x"),
            equals_claim="sub",
            hook=named,
        )


def test_switched_off() -> None:
    """enabled: false builds no stage at all."""
    from authz_support import api

    from apiward.guard.authz import build
    from apiward.guard.routes import RouteTable
    from apiward.guard.stage import Setup

    setup = Setup(
        policy=Policy(authorization=AuthorizationPolicy(enabled=False)),
        api=api(),
        routes=RouteTable.from_api(api()),
    )
    assert build(setup) is None


LIBRARY_HOOKS = """\
from typing import Any

HOLDERS = {"b-1": "alice"}


async def borrower(ctx: Any, value: Any) -> str | None:
    return HOLDERS.get(value)
"""
OWNERSHIP = """\
authorization:
  ownership:
    - operation: "GET /accounts/{account_id}"
      param: {in: path, name: account_id}
      hook: "%s:borrower"
"""


async def test_a_hook_module_beside_the_policy_is_found(tmp_path: Path) -> None:
    """A module in the policy file's folder is imported without being on the import path."""
    (tmp_path / "library_hooks_beside.py").write_text(LIBRARY_HOOKS)
    policy = _load(tmp_path, OWNERSHIP % "library_hooks_beside").authorization
    assert policy is not None
    authz = stage(policy)
    assert await refusal(authz, request("GET", "/accounts/b-1")) is None
    assert await refusal(authz, request("GET", "/accounts/b-2")) is not None


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("import no_such_dependency_here\n", "ModuleNotFoundError"),
        ("raise RuntimeError('needs DATABASE_URL')\n", "RuntimeError: needs DATABASE_URL"),
        ("def broken(:\n", "SyntaxError"),
    ],
    ids=["missing-dependency", "raises", "syntax"],
)
def test_a_hook_module_that_fails_to_import_is_named(
    tmp_path: Path, source: str, words: str
) -> None:
    """Whatever the module's import raises, the ConfigError names the hook it was loading."""
    (tmp_path / "library_hooks_failing.py").write_text(source)
    policy = _load(tmp_path, OWNERSHIP % "library_hooks_failing").authorization
    assert policy is not None
    with pytest.raises(ConfigError, match=words) as failed:
        stage(policy)
    assert "cannot import hook 'library_hooks_failing:borrower'" in str(failed.value)
    assert failed.value.pointer == "/authorization/ownership/0/hook"
