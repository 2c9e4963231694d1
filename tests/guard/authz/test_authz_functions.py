"""Function-level authorization (BFLA): contract scopes, policy rules by operation, pattern and tag."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.append(str(Path(__file__).parent))

from authz_support import refusal, request, stage

from apiward.core.errors import ConfigError
from apiward.guard.policy import AuthorizationPolicy, Requirement
from apiward.guard.problem import Rule

pytestmark = pytest.mark.anyio

ADMIN = Requirement(roles=("admin",))
BANK = AuthorizationPolicy(
    operations={"DELETE /promo-codes/{code}": ADMIN, "* /admin/**": ADMIN},
)


@pytest.mark.parametrize(
    ("method", "path", "scopes", "rule"),
    [
        ("GET", "/items", (), Rule.AUTHZ_SCOPE),
        ("GET", "/items", ("items:read",), None),
        ("POST", "/items", ("items:read",), Rule.AUTHZ_SCOPE),
        ("POST", "/items", ("items:write",), None),
        ("POST", "/items", ("admin",), None),
    ],
    ids=["missing", "present", "wrong-one", "first-alternative", "second-alternative"],
)
async def test_contract_scopes_any_alternative(
    method: str, path: str, scopes: tuple[str, ...], rule: Rule | None
) -> None:
    """Every scope of at least one of the contract's security alternatives must be granted."""
    refused = await refusal(stage(AuthorizationPolicy()), request(method, path, scopes=scopes))
    assert (refused.rule if refused else None) == rule


async def test_scope_refusal_says_which_scopes() -> None:
    """A scope refusal carries RFC 6750's insufficient_scope challenge naming the scopes."""
    refused = await refusal(stage(AuthorizationPolicy()), request("GET", "/items"))
    assert refused is not None
    assert refused.status == 403
    assert (
        b"www-authenticate",
        b'Bearer error="insufficient_scope", scope="items:read"',
    ) in refused.headers


async def test_contract_role_names_on_other_schemes() -> None:
    """OpenAPI 3.1 role names listed for a non-OAuth scheme are required roles."""
    authz = stage(AuthorizationPolicy())
    refused = await refusal(authz, request("GET", "/reports", roles=("customer",)))
    assert refused is not None
    assert refused.rule is Rule.AUTHZ_ROLE
    assert await refusal(authz, request("GET", "/reports", roles=("auditor",))) is None


async def test_contract_scopes_can_be_switched_off() -> None:
    """contract_scopes: false leaves the contract's scopes to someone else."""
    authz = stage(AuthorizationPolicy(contract_scopes=False))
    assert await refusal(authz, request("GET", "/items")) is None


@pytest.mark.parametrize(
    ("method", "path", "roles", "rule"),
    [
        ("DELETE", "/promo-codes/SPRING10", ("customer",), Rule.AUTHZ_ROLE),
        ("GET", "/promo-codes/SPRING10", ("customer",), None),
        ("DELETE", "/promo-codes/SPRING10", ("admin",), None),
        ("GET", "/admin/users", ("customer",), Rule.AUTHZ_ROLE),
        ("PUT", "/admin/users/erin/role", ("customer",), Rule.AUTHZ_ROLE),
        ("PUT", "/admin/users/erin/role", ("admin",), None),
        ("GET", "/admin/users", (), Rule.AUTHZ_ROLE),
    ],
    ids=[
        "method-switch-delete",
        "method-switch-get",
        "admin-deletes",
        "prefix-list",
        "prefix-deep",
        "admin-prefix",
        "no-roles",
    ],
)
async def test_policy_roles_per_operation(
    method: str, path: str, roles: tuple[str, ...], rule: Rule | None
) -> None:
    """Operations a policy rule marks admin-only refuse everyone else; rules are per method."""
    refused = await refusal(stage(BANK), request(method, path, roles=roles))
    assert (refused.rule if refused else None) == rule


async def test_unauthenticated_caller_has_no_roles() -> None:
    """A request no stage identified cannot pass a role rule (deny by default)."""
    refused = await refusal(stage(BANK), request("GET", "/admin/users", principal=None))
    assert refused is not None
    assert refused.rule is Rule.AUTHZ_ROLE


async def test_tag_rules_and_any_role_all_scopes() -> None:
    """A tag rule applies to every tagged operation: one of its roles and all its scopes."""
    staff = Requirement(roles=("admin", "support"), scopes=("users:read", "users:list"))
    authz = stage(AuthorizationPolicy(tags={"users": staff}))
    both = ("users:read", "users:list")
    assert await refusal(authz, request("GET", "/users/x", roles=("support",), scopes=both)) is None
    one = await refusal(authz, request("GET", "/users/x", roles=("support",), scopes=both[:1]))
    assert one is not None
    assert one.rule is Rule.AUTHZ_SCOPE
    none = await refusal(authz, request("GET", "/users/x", roles=("customer",), scopes=both))
    assert none is not None
    assert none.rule is Rule.AUTHZ_ROLE


async def test_every_matching_rule_must_hold() -> None:
    """An operation matched by an operation rule and a tag rule needs both."""
    policy = AuthorizationPolicy(
        operations={"GET /admin/users": ADMIN}, tags={"admin": Requirement(scopes=("ops",))}
    )
    authz = stage(policy)
    refused = await refusal(authz, request("GET", "/admin/users", roles=("admin",)))
    assert refused is not None
    assert refused.rule is Rule.AUTHZ_SCOPE
    ok = request("GET", "/admin/users", roles=("admin",), scopes=("ops",))
    assert await refusal(authz, ok) is None


async def test_decisions_record_what_was_checked() -> None:
    """ctx.decisions['authorization'] says allowed or refused, and why."""
    authz = stage(BANK)
    allowed = request("GET", "/admin/users", roles=("admin",))
    await authz.check(allowed)
    assert allowed.decisions["authorization"] == {"outcome": "allowed", "checked": ("function",)}
    refused = request("GET", "/admin/users")
    await refusal(authz, refused)
    assert refused.decisions["authorization"] == {"outcome": "refused", "reason": "authz.role"}
    public = request("GET", "/public")
    await authz.check(public)
    assert public.decisions["authorization"]["outcome"] == "allowed"


@pytest.mark.parametrize(
    ("policy", "words"),
    [
        (AuthorizationPolicy(operations={"GET /nope": ADMIN}), "'GET /nope' matches no operation"),
        (AuthorizationPolicy(operations={"* /nope/**": ADMIN}), "matches no operation"),
        (AuthorizationPolicy(operations={"POST /admin/users": ADMIN}), "matches no operation"),
        (AuthorizationPolicy(tags={"ghosts": ADMIN}), "no operation has the tag 'ghosts'"),
    ],
    ids=["unknown-operation", "empty-pattern", "wrong-method", "unknown-tag"],
)
def test_rules_must_name_real_operations(policy: AuthorizationPolicy, words: str) -> None:
    """A rule that matches nothing is a typo: the guard does not start."""
    with pytest.raises(ConfigError, match=words):
        stage(policy)
