"""Every contract rule, in one registry started from each theme's tuple of built-ins."""

from __future__ import annotations

from collections.abc import Iterable

from apiward.audit.contract.rule import Rule
from apiward.audit.contract.rules import authentication, input, inventory, output, transport
from apiward.core.registry import Registry

BUILT_IN: tuple[Rule, ...] = (
    *authentication.RULES,
    *transport.RULES,
    *input.RULES,
    *output.RULES,
    *inventory.RULES,
)


def registry(rules: Iterable[Rule] = BUILT_IN) -> Registry[Rule]:
    """A fresh registry of ``rules`` by id (the built-in ones unless told otherwise)."""
    return Registry[Rule]("contract rule", ((rule.id, rule) for rule in rules))


RULES = registry()
