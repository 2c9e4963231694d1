"""Object-level authorization (BOLA): values bound to claims or to owners a hook looks up."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest

sys.path.append(str(Path(__file__).parent))

from authz_support import api, refusal, request, stage

from apiward.guard.context import Context
from apiward.guard.policy import AuthorizationPolicy, OwnershipRule, ParamRef, Policy
from apiward.guard.problem import Rule
from apiward.guard.routes import RouteTable
from apiward.guard.stage import Setup
from apiward.guard.validate import build as build_validate

pytestmark = pytest.mark.anyio

OWNERS = {"1": "alice", "2": "bob", "3": ("alice", "bob")}


async def owner(ctx: Context, value: Any) -> Any:
    """The holder(s) of account ``value`` in a fixed table, or None."""
    return OWNERS.get(str(value))


def rule(operation: str, where: str, name: str, **kw: Any) -> OwnershipRule:
    """An ownership rule binding ``where``/``name`` of ``operation``."""
    return OwnershipRule(operation=operation, param=ParamRef(location=where, name=name), **kw)


USER = rule("GET /users/{user_id}", "path", "user_id", equals_claim="sub", unless_roles=("admin",))
ACCOUNT = rule("GET /accounts/{account_id}", "path", "account_id", hook=owner)


@pytest.mark.parametrize(
    ("path", "principal", "roles", "rule_"),
    [
        ("/users/alice", "alice", (), None),
        ("/users/bob", "alice", (), Rule.AUTHZ_OWNER),
        ("/users/bob", "root", ("admin",), None),
        ("/users/alice", None, (), Rule.AUTHZ_OWNER),
    ],
    ids=["own", "other", "admin-bypass", "anonymous"],
)
async def test_path_value_equals_claim(
    path: str, principal: str | None, roles: tuple[str, ...], rule_: Rule | None
) -> None:
    """{user_id} must equal the sub claim unless the caller has an unless_roles role."""
    authz = stage(AuthorizationPolicy(ownership=(USER,)))
    refused = await refusal(authz, request("GET", path, principal=principal, roles=roles))
    assert (refused.rule if refused else None) == rule_


async def test_claim_list_holds_the_allowed_values() -> None:
    """A list claim (accounts: [1, 3]) allows any of its items."""
    bound = rule("GET /accounts/{account_id}", "path", "account_id", equals_claim="accounts")
    authz = stage(AuthorizationPolicy(ownership=(bound,)))
    claims = {"sub": "alice", "accounts": [1, 3]}
    assert await refusal(authz, request("GET", "/accounts/3", claims=claims)) is None
    refused = await refusal(authz, request("GET", "/accounts/2", claims=claims))
    assert refused is not None
    assert refused.rule is Rule.AUTHZ_OWNER


@pytest.mark.parametrize(
    ("path", "principal", "status"),
    [("/accounts/1", "alice", None), ("/accounts/2", "alice", 403), ("/accounts/3", "bob", None)],
    ids=["own", "other", "joint"],
)
async def test_hook_answer_is_compared_with_the_principal(
    path: str, principal: str, status: int | None
) -> None:
    """The hook's owner (or one of its owners) must be the principal."""
    refused = await refusal(
        stage(AuthorizationPolicy(ownership=(ACCOUNT,))), request("GET", path, principal=principal)
    )
    assert (refused.status if refused else None) == status


async def test_unknown_object_looks_like_someone_elses() -> None:
    """No such object gets exactly the refusal a foreign object gets: ids are not revealed."""
    authz = stage(AuthorizationPolicy(ownership=(ACCOUNT,)))
    missing = await refusal(authz, request("GET", "/accounts/99"))
    foreign = await refusal(authz, request("GET", "/accounts/2"))
    assert missing is not None
    assert foreign is not None
    assert (missing.rule, missing.detail, missing.field) == (
        foreign.rule,
        foreign.detail,
        foreign.field,
    )
    assert missing.field == "path/account_id"


async def test_unknown_pass_leaves_the_404_to_the_app() -> None:
    """unknown: pass lets requests for objects that do not exist through."""
    passing = rule("GET /accounts/{account_id}", "path", "account_id", hook=owner, unknown="pass")
    authz = stage(AuthorizationPolicy(ownership=(passing,)))
    assert await refusal(authz, request("GET", "/accounts/99")) is None
    assert await refusal(authz, request("GET", "/accounts/2")) is not None


async def test_hook_compared_with_a_named_claim() -> None:
    """claim: names the claim the hook's answer must equal instead of the principal."""
    by_claim = rule("GET /accounts/{account_id}", "path", "account_id", hook=owner, claim="user")
    authz = stage(AuthorizationPolicy(ownership=(by_claim,)))
    ctx = request("GET", "/accounts/1", principal="client-7", claims={"user": "alice"})
    assert await refusal(authz, ctx) is None


async def test_every_query_value_is_checked() -> None:
    """A repeated query parameter is checked value by value: one foreign value refuses."""
    bound = rule("GET /items", "query", "owner", equals_claim="sub")
    authz = stage(AuthorizationPolicy(contract_scopes=False, ownership=(bound,)))
    assert await refusal(authz, request("GET", "/items", query=b"owner=alice")) is None
    assert await refusal(authz, request("GET", "/items")) is None  # absent: nothing to check
    mixed = await refusal(authz, request("GET", "/items", query=b"owner=alice&owner=bob"))
    assert mixed is not None
    assert mixed.field == "query/owner"


async def test_header_value() -> None:
    """A header can name the object too."""
    bound = rule("GET /reports", "header", "X-Account", hook=owner)
    authz = stage(AuthorizationPolicy(contract_scopes=False, ownership=(bound,)))
    assert await refusal(authz, request("GET", "/reports", headers=[(b"x-account", b"1")])) is None
    refused = await refusal(authz, request("GET", "/reports", headers=[(b"x-account", b"2")]))
    assert refused is not None
    assert refused.rule is Rule.AUTHZ_OWNER


@pytest.mark.parametrize(
    ("name", "body", "refused_field"),
    [
        ("account", {"account": 1}, None),
        ("account", {"account": 2}, "body/account"),
        ("/lines/*/account", {"lines": [{"account": 1}, {"account": 3}]}, None),
        ("/lines/*/account", {"lines": [{"account": 1}, {"account": 2}]}, "body/lines/*/account"),
        ("account", b"account=2", "body/account"),
    ],
    ids=["own", "foreign", "every-item", "one-foreign-item", "form"],
)
async def test_body_values(name: str, body: Any, refused_field: str | None) -> None:
    """Body values are read by property name or pointer (* = every array item)."""
    bound = rule("POST /items", "body", name, hook=owner)
    authz = stage(AuthorizationPolicy(contract_scopes=False, ownership=(bound,)))
    form = isinstance(body, bytes)
    ctx = request(
        "POST",
        "/items",
        body=body,
        content_type=b"application/x-www-form-urlencoded" if form else b"application/json",
    )
    refused = await refusal(authz, ctx)
    assert (refused.field if refused else None) == refused_field


async def test_the_body_is_parsed_once() -> None:
    """The document authorization parsed is the one validation checks, not a second parse."""
    bound = rule("POST /items", "body", "account", hook=owner)
    authz = stage(AuthorizationPolicy(contract_scopes=False, ownership=(bound,)))
    contract = api()
    validate = build_validate(
        Setup(policy=Policy(), api=contract, routes=RouteTable.from_api(contract))
    )
    assert validate is not None
    ctx = request("POST", "/items", body={"account": 1})
    await authz.check(ctx)
    parsed = ctx.document
    await validate.check(ctx)
    assert ctx.document is parsed


async def test_unreadable_body_fails_closed() -> None:
    """A body rule cannot be checked on a media type it cannot read: 415, not a pass."""
    bound = rule("POST /items", "body", "account", hook=owner)
    authz = stage(AuthorizationPolicy(contract_scopes=False, ownership=(bound,)))
    ctx = request("POST", "/items", body=b"account: 2", content_type=b"text/plain")
    refused = await refusal(authz, ctx)
    assert refused is not None
    assert refused.rule is Rule.MEDIA_TYPE


async def broken(ctx: Context, value: Any) -> str:
    """A hook whose database is down."""
    raise ConnectionError("database unavailable")


async def slow(ctx: Context, value: Any) -> str:
    """A hook that takes far longer than the guard waits."""
    await anyio.sleep(5)
    return "alice"


@pytest.mark.parametrize("hook", [broken, slow], ids=["raises", "times-out"])
async def test_hook_failures_fail_closed(hook: Any) -> None:
    """A hook that fails or exceeds hook_timeout refuses with 503 unless on_error: allow."""
    closed = rule("GET /accounts/{account_id}", "path", "account_id", hook=hook)
    authz = stage(AuthorizationPolicy(ownership=(closed,), hook_timeout=0.05))
    refused = await refusal(authz, request("GET", "/accounts/1"))
    assert refused is not None
    assert refused.rule is Rule.AUTHZ_UNAVAILABLE
    assert refused.status == 503
    opened = rule("GET /accounts/{account_id}", "path", "account_id", hook=hook, on_error="allow")
    authz = stage(AuthorizationPolicy(ownership=(opened,), hook_timeout=0.05))
    assert await refusal(authz, request("GET", "/accounts/1")) is None


LEDGER = sqlite3.connect(":memory:", check_same_thread=False)
LEDGER.execute("CREATE TABLE accounts (id INTEGER PRIMARY KEY, holder TEXT)")
LEDGER.execute("INSERT INTO accounts VALUES (1, 'alice')")


async def holder(ctx: Context, value: Any) -> str | None:
    """A hook written the plain way: int() the id and ask SQLite (which stops at 64 bits)."""
    row = LEDGER.execute("SELECT holder FROM accounts WHERE id = ?", (int(value),)).fetchone()
    return row[0] if row else None


@pytest.mark.parametrize(
    "account_id",
    [str(1 << 63), str(-(1 << 64)), "1e3", "twelve"],
    ids=["2^63", "-2^64", "exp", "word"],
)
async def test_a_value_the_hook_cannot_handle_is_refused_not_an_outage(account_id: str) -> None:
    """OverflowError, ValueError...: the value names no object, so 403 like one unknown, not 503."""
    bound = rule("GET /accounts/{account_id}", "path", "account_id", hook=holder)
    authz = stage(AuthorizationPolicy(ownership=(bound,)))
    assert await refusal(authz, request("GET", "/accounts/1")) is None
    refused = await refusal(authz, request("GET", f"/accounts/{account_id}"))
    assert refused is not None
    assert refused.rule is Rule.AUTHZ_OWNER
    assert refused.status == 403


async def roles_of(ctx: Context) -> list[str]:
    """Roles from the app's own data: root is an admin."""
    return ["admin"] if ctx.principal == "root" else ["customer"]


async def test_roles_hook_supplies_roles() -> None:
    """A roles hook adds roles for tokens that carry none; its failure refuses with 503."""
    policy = AuthorizationPolicy(ownership=(USER,), roles_hook=roles_of)
    authz = stage(policy)
    assert await refusal(authz, request("GET", "/users/alice", principal="root")) is None
    refused = await refusal(authz, request("GET", "/users/alice", principal="bob"))
    assert refused is not None
    assert refused.rule is Rule.AUTHZ_OWNER
    failing = stage(AuthorizationPolicy(ownership=(USER,), roles_hook=broken_roles))
    down = await refusal(failing, request("GET", "/users/alice"))
    assert down is not None
    assert down.rule is Rule.AUTHZ_UNAVAILABLE


async def broken_roles(ctx: Context) -> list[str]:
    """A roles hook whose directory is down."""
    raise OSError("directory unavailable")
