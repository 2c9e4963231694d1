"""Every apiward code rule, registered in one place (one module per rule)."""

from __future__ import annotations

from apiward.audit.code.rule import CodeRule
from apiward.audit.code.rules import (
    cors,
    debug_mode,
    jwt_verify,
    route_auth,
    sql_injection,
    template_injection,
    tls_verify,
)
from apiward.core.registry import Registry

BUILTIN: tuple[CodeRule, ...] = (
    route_auth.RULE,
    sql_injection.RULE,
    template_injection.RULE,
    jwt_verify.RULE,
    tls_verify.RULE,
    cors.RULE,
    debug_mode.RULE,
)


def code_rules(rules: tuple[CodeRule, ...] = BUILTIN) -> Registry[CodeRule]:
    """A fresh registry of code rules, by id (the built-ins unless told otherwise)."""
    return Registry("code rule", ((rule.id, rule) for rule in rules))
