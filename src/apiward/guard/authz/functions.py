"""Function-level authorization (BFLA, OWASP API5): who may call which operation.

Requirements come from two places and all that apply must hold:

* the contract's ``security``: any one alternative must be satisfied, and an
  alternative needs every scope it lists for its oauth2/openIdConnect schemes and,
  as OpenAPI 3.1 allows, every role it lists for other schemes;
* the policy: ``operations`` keyed ``"METHOD /template"`` (``*`` for any method; a
  template may end in ``/**`` for everything under a prefix, or use ``*`` for one
  segment) and ``tags``; each asks for one of its ``roles`` and all of its ``scopes``.

Rules are matched against the route *template* the router resolved, at start-up,
never against the raw path: ``DELETE /promo-codes/{code}`` and ``GET`` on the same
path are different operations, so method switching cannot slip past a rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from apiward.core.errors import ConfigError
from apiward.guard.context import Context
from apiward.guard.policy import AuthorizationPolicy, Requirement
from apiward.guard.problem import Refusal, Rule
from apiward.guard.routes import Route
from apiward.spec import Api

SCOPED = frozenset({"oauth2", "openIdConnect"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Alternative:
    """One way to satisfy the contract's security requirement."""

    scopes: frozenset[str]
    roles: frozenset[str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Need:
    """One compiled requirement: any of ``roles`` (if any), all of ``scopes``; ``source`` names it."""

    roles: frozenset[str]
    scopes: frozenset[str]
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class FunctionCheck:
    """Everything function-level authorization asks of one operation."""

    contract: tuple[Alternative, ...] | None
    needs: tuple[Need, ...]

    @property
    def uses_roles(self) -> bool:
        """Whether the check reads the caller's roles (so a roles hook must run first)."""
        contract_roles = any(a.roles for a in self.contract or ())
        return contract_roles or any(need.roles for need in self.needs)


def compile_functions(
    api: Api, routes: Iterable[Route], policy: AuthorizationPolicy
) -> dict[str, FunctionCheck]:
    """Per route key: its contract alternatives and policy requirements (only routes with some)."""
    routes = tuple(routes)
    needs: dict[str, list[Need]] = {r.key: [] for r in routes}
    for key, requirement in policy.operations.items():
        matched = _matching(key, routes)
        if not matched:
            raise ConfigError(
                f"{key!r} matches no operation of the contract", pointer=_pointer("operations", key)
            )
        for route in matched:
            needs[route.key].append(_need(requirement, f"operations[{key}]"))
    for tag, requirement in policy.tags.items():
        tagged = [r for r in routes if tag in r.operation.tags]
        if not tagged:
            raise ConfigError(f"no operation has the tag {tag!r}", pointer=_pointer("tags", tag))
        for route in tagged:
            needs[route.key].append(_need(requirement, f"tags[{tag}]"))
    checks: dict[str, FunctionCheck] = {}
    for route in routes:
        contract = _contract(api, route) if policy.contract_scopes else None
        if contract is not None or needs[route.key]:
            checks[route.key] = FunctionCheck(contract=contract, needs=tuple(needs[route.key]))
    return checks


def _need(requirement: Requirement, source: str) -> Need:
    return Need(
        roles=frozenset(requirement.roles), scopes=frozenset(requirement.scopes), source=source
    )


def _pointer(section: str, key: str) -> str:
    return f"/authorization/{section}/" + key.replace("~", "~0").replace("/", "~1")


def _matching(key: str, routes: tuple[Route, ...]) -> list[Route]:
    method, _, template = key.partition(" ")
    if "*" not in template:
        return [r for r in routes if r.template == template and method in {"*", r.method}]
    regex = _glob(template)
    return [r for r in routes if regex.fullmatch(r.template) and method in {"*", r.method}]


def _glob(template: str) -> re.Pattern[str]:
    # "/admin/**" covers /admin itself and everything below; "*" is one segment.
    prefix, deep = (template[:-3], True) if template.endswith("/**") else (template, False)
    body = "[^/]+".join(re.escape(part) for part in prefix.split("*"))
    return re.compile(body + ("(?:/.*)?" if deep else ""))


def _contract(api: Api, route: Route) -> tuple[Alternative, ...] | None:
    alternatives: list[Alternative] = []
    for requirement in route.operation.security:
        scopes: set[str] = set()
        roles: set[str] = set()
        for scheme_name, listed in requirement.items():
            scheme = api.security_schemes.get(scheme_name)
            kind = scheme.type if scheme is not None else ""
            (scopes if kind in SCOPED else roles).update(listed)
        if not scopes and not roles:
            return None  # this alternative asks for nothing an authorization stage checks
        alternatives.append(Alternative(scopes=frozenset(scopes), roles=frozenset(roles)))
    return tuple(alternatives) or None


def check_functions(ctx: Context, check: FunctionCheck) -> None:
    """Refuse unless the contract's scopes and every policy requirement are satisfied."""
    if check.contract is not None:
        _check_contract(ctx, check.contract)
    for need in check.needs:
        if need.scopes and not need.scopes <= ctx.scopes:
            raise _scope_refusal(need.scopes, f"this operation needs the scopes of {need.source}")
        if need.roles and ctx.roles.isdisjoint(need.roles):
            raise Refusal(
                Rule.AUTHZ_ROLE, f"this operation needs one of the roles of {need.source}"
            )


def _check_contract(ctx: Context, alternatives: tuple[Alternative, ...]) -> None:
    scoped_ok = False
    for alternative in alternatives:
        if alternative.scopes <= ctx.scopes:
            if alternative.roles <= ctx.roles:
                return
            scoped_ok = True
    if scoped_ok:
        raise Refusal(Rule.AUTHZ_ROLE, "this operation needs a role the contract lists")
    raise _scope_refusal(alternatives[0].scopes, "the token lacks a scope the contract requires")


def _scope_refusal(scopes: frozenset[str], detail: str) -> Refusal:
    # RFC 6750 §3.1: tell the client which scopes a new token needs.
    wanted = " ".join(sorted(scopes))
    challenge = f'Bearer error="insufficient_scope", scope="{wanted}"'.encode()
    return Refusal(Rule.AUTHZ_SCOPE, detail, headers=((b"www-authenticate", challenge),))
