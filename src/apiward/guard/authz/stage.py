"""The authorization stage: function level, then object level, per resolved operation.

Everything is compiled in :func:`build` (per route key, hooks imported and checked),
so :meth:`Authorization.check` only looks up the route's plan. It runs after
authentication (it reads ``ctx.principal``, ``ctx.claims``, ``ctx.roles`` and
``ctx.scopes``) and before rate limits and validation. Refusals are 403 problem
documents (``authz.scope``, ``authz.role``, ``authz.owner``) or 503
(``authz.unavailable``, a hook that failed), audited with those reasons; what was
checked is left in ``ctx.decisions["authorization"]``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from apiward.guard.authz.functions import FunctionCheck, check_functions, compile_functions
from apiward.guard.authz.hooks import RolesFn, bounded, resolve
from apiward.guard.authz.ownership import OwnerCheck, check_owner, compile_owner
from apiward.guard.context import Context
from apiward.guard.problem import Refusal, Rule
from apiward.guard.stage import Setup

log = logging.getLogger("apiward.guard.authz")
_NO_RULES: Mapping[str, Any] = MappingProxyType({"outcome": "allowed", "checked": ()})


@dataclass(frozen=True, slots=True, kw_only=True)
class Plan:
    """What authorization checks on one operation."""

    functions: FunctionCheck | None
    owners: tuple[OwnerCheck, ...]
    uses_roles: bool


def build(setup: Setup) -> Authorization | None:
    """The authorization stage, or None when the policy has no (enabled) authorization section."""
    policy = setup.policy.authorization
    if policy is None or not policy.enabled:
        return None
    routes = {r.key: r for r in setup.routes.routes}
    functions = compile_functions(setup.api, routes.values(), policy)
    owners: dict[str, list[OwnerCheck]] = {}
    for index, rule in enumerate(policy.ownership):
        compiled = compile_owner(rule, index, routes, policy.hooks, policy.hook_folder)
        owners.setdefault(rule.operation, []).append(compiled)
    plans = {key: _plan(functions.get(key), tuple(owners.get(key, ()))) for key in routes}
    roles_hook: RolesFn | None = None
    if policy.roles_hook is not None:
        roles_hook = resolve(
            policy.roles_hook,
            policy.hooks,
            method="roles",
            pointer="/authorization/roles_hook",
            folder=policy.hook_folder,
        )
    live = {key: plan for key, plan in plans.items() if plan is not None}
    return Authorization(live, roles_hook, policy.hook_timeout)


def _plan(functions: FunctionCheck | None, owners: tuple[OwnerCheck, ...]) -> Plan | None:
    if functions is None and not owners:
        return None
    uses_roles = (functions is not None and functions.uses_roles) or any(o.unless for o in owners)
    return Plan(functions=functions, owners=owners, uses_roles=uses_roles)


class Authorization:
    """Refuses requests whose caller may not call the operation or touch the object."""

    def __init__(
        self, plans: Mapping[str, Plan], roles_hook: RolesFn | None, timeout: float | None
    ) -> None:
        self.plans = plans
        self.roles_hook = roles_hook
        self.timeout = timeout

    async def aclose(self) -> None:
        """Nothing to release: the stage holds no connections."""

    async def check(self, ctx: Context) -> None:
        """Refuse the request unless its caller is authorized for the operation and its objects."""
        route = ctx.route
        plan = self.plans.get(route.key) if route is not None else None
        if plan is None:
            ctx.decisions["authorization"] = _NO_RULES
            return
        try:
            checked = await self._run(ctx, plan)
        except Refusal as refusal:
            ctx.decisions["authorization"] = {"outcome": "refused", "reason": refusal.rule.value}
            raise
        ctx.decisions["authorization"] = {"outcome": "allowed", "checked": checked}

    async def _run(self, ctx: Context, plan: Plan) -> tuple[str, ...]:
        if plan.uses_roles and self.roles_hook is not None and ctx.principal is not None:
            await self._add_roles(ctx, self.roles_hook)
        checked: list[str] = []
        if plan.functions is not None:
            check_functions(ctx, plan.functions)
            checked.append("function")
        for rule in plan.owners:
            checked.append(await check_owner(ctx, rule, self.timeout))
        return tuple(checked)

    async def _add_roles(self, ctx: Context, hook: RolesFn) -> None:
        try:
            found: Iterable[str] = await bounded(hook(ctx), self.timeout)
        except Exception as error:  # noqa: BLE001 - fail closed whatever went wrong
            log.warning("roles hook failed: %s", type(error).__name__)
            raise Refusal(
                Rule.AUTHZ_UNAVAILABLE, "the caller's roles cannot be read right now"
            ) from None
        ctx.roles = ctx.roles | frozenset(found)
