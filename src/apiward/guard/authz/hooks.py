"""Python hooks: what the policy cannot know without the application's own data.

An **owner hook** answers who owns the object a request names::

    async def account_owner(ctx: Context, value: Any) -> str | Iterable[str] | None

``value`` is the parameter as sent (a string for path, query and header values, the
JSON value for body values). The answer is the owner (or the owners: a transfer
belongs to both accounts' holders); ``None`` means no such object. A **roles hook**
(``async def roles(ctx) -> Iterable[str]``) adds roles for principals whose tokens
carry none. Either may be a function, or a class or object with an ``owner`` /
``roles`` method (a class is instantiated once, without arguments).

A policy names a hook by import path (``"myapp.authz:account_owner"``, imported
at start-up with importlib), by a bare name given in Python
(``Policy.load(path, hooks={"account_owner": fn})``), or holds the callable itself
(``OwnershipRule(..., hook=fn)``). Anything that cannot be found, or is not an
``async def``, stops the guard from starting with a ConfigError.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import anyio

from apiward.core.errors import ConfigError

if TYPE_CHECKING:
    from apiward.guard.context import Context

OwnerAnswer = str | Iterable[str] | None
OwnerFn = Callable[["Context", Any], Awaitable[OwnerAnswer]]
RolesFn = Callable[["Context"], Awaitable[Iterable[str]]]
T = TypeVar("T")


class OwnerHook(Protocol):
    """An object whose ``owner`` method answers who owns an object (a class form of a hook)."""

    async def owner(self, ctx: Context, value: Any) -> OwnerAnswer:
        """The owner(s) of the object ``value`` names, or None when there is no such object."""


class RolesHook(Protocol):
    """An object whose ``roles`` method answers a principal's roles."""

    async def roles(self, ctx: Context) -> Iterable[str]:
        """The roles of ``ctx.principal``."""


def resolve(ref: Any, hooks: Mapping[str, Any], *, method: str, pointer: str) -> Any:
    """The coroutine function a hook reference stands for; ConfigError when it cannot be used."""
    target = _lookup(ref, hooks, pointer) if isinstance(ref, str) else ref
    if inspect.isclass(target):
        try:
            target = target()
        except Exception as error:  # noqa: BLE001 - any failure to build it is a config error
            raise ConfigError(
                f"cannot instantiate hook {ref!r}: {error}", pointer=pointer
            ) from None
    function = getattr(target, method, target)
    if not inspect.iscoroutinefunction(function):
        raise ConfigError(
            f"hook {ref!r} must be an 'async def' (or have an async '{method}' method)",
            pointer=pointer,
        )
    return function


def _lookup(ref: str, hooks: Mapping[str, Any], pointer: str) -> Any:
    if ":" not in ref:
        if ref not in hooks:
            known = ", ".join(sorted(hooks)) or "none given"
            raise ConfigError(
                f"no hook named {ref!r} (Python hooks: {known}); "
                "use 'module:attribute' or pass hooks={...}",
                pointer=pointer,
            )
        return hooks[ref]
    module_name, _, attribute = ref.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise ConfigError(f"cannot import hook {ref!r}: {error}", pointer=pointer) from None
    target = module
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise ConfigError(f"hook {ref!r}: {module_name} has no {attribute!r}", pointer=pointer)
        target = getattr(target, part)
    return target


async def bounded(call: Awaitable[T], timeout: float | None) -> T:
    """Await a hook's answer, within ``timeout`` seconds when one is set (TimeoutError after).

    No timer by default: arming one costs several microseconds per call (measured in
    benchmarks/guard_overhead.py), and a hook that never answers holds its request, it
    never lets it through. ``hook_timeout`` turns a slow hook into a 503 instead.
    """
    if timeout is None:
        return await call
    with anyio.fail_after(timeout):
        return await call
