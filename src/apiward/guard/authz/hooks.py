"""Python hooks: what the policy cannot know without the application's own data.

An **owner hook** answers who owns the object a request names::

    async def account_owner(ctx: Context, value: Any) -> str | Iterable[str] | None

``value`` is the parameter as sent (a string for path, query and header values, the
JSON value for body values). The answer is the owner (or the owners: a transfer
belongs to both accounts' holders); ``None`` means no such object. A **roles hook**
(``async def roles(ctx) -> Iterable[str]``) adds roles for principals whose tokens
carry none. Either may be a function, or a class or object with an ``owner`` /
``roles`` method (a class is instantiated once, without arguments).

**Values a hook cannot handle.** A request value is whatever the client sent: a
path id may be ``"abc"`` or ``2**63`` where the database holds 64-bit integers. A
hook answers ``None`` for a value that cannot name one of its objects. A hook that
raises ``ValueError``, ``TypeError`` or ``ArithmeticError`` (``OverflowError``
included, as SQLite raises for integers beyond 64 bits) is taken to say the same
thing: the value is at fault, not the service, and the request gets the refusal of
an unknown object (403). Any other exception means the hook could not answer: 503.

A policy names a hook by import path (``"myapp.authz:account_owner"``, imported
at start-up; a module file in the policy file's own folder is found first, then the
import path), by a bare name given in Python
(``Policy.load(path, hooks={"account_owner": fn})``), or holds the callable itself
(``OwnershipRule(..., hook=fn)``). Anything that cannot be found or imported, or is
not an ``async def``, stops the guard from starting with a ConfigError naming the hook.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import anyio

from apiward.core.errors import ConfigError

if TYPE_CHECKING:
    from apiward.guard.context import Context

OwnerAnswer = str | Iterable[str] | None
OwnerFn = Callable[["Context", Any], Awaitable[OwnerAnswer]]
RolesFn = Callable[["Context"], Awaitable[Iterable[str]]]
T = TypeVar("T")

VALUE_ERRORS = (ValueError, TypeError, ArithmeticError)
"""What a hook raises for a value it cannot handle: a refusal, never an outage."""


class OwnerHook(Protocol):
    """An object whose ``owner`` method answers who owns an object (a class form of a hook)."""

    async def owner(self, ctx: Context, value: Any) -> OwnerAnswer:
        """The owner(s) of the object ``value`` names, or None when there is no such object."""


class RolesHook(Protocol):
    """An object whose ``roles`` method answers a principal's roles."""

    async def roles(self, ctx: Context) -> Iterable[str]:
        """The roles of ``ctx.principal``."""


def resolve(
    ref: Any,
    hooks: Mapping[str, Any],
    *,
    method: str,
    pointer: str,
    folder: Path | None = None,
) -> Any:
    """The coroutine function a hook reference stands for; ConfigError when it cannot be used.

    ``folder`` is the policy file's folder: a module file there is found before the import path.
    """
    target = _lookup(ref, hooks, pointer, folder) if isinstance(ref, str) else ref
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


def _lookup(ref: str, hooks: Mapping[str, Any], pointer: str, folder: Path | None) -> Any:
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
        module = _import(module_name, folder)
    except (Exception, SystemExit) as error:  # noqa: BLE001 - whatever its import raised
        raise ConfigError(
            f"cannot import hook {ref!r}: {type(error).__name__}: {error}", pointer=pointer
        ) from None
    target: Any = module
    for part in attribute.split("."):
        if not hasattr(target, part):
            raise ConfigError(f"hook {ref!r}: {module_name} has no {attribute!r}", pointer=pointer)
        target = getattr(target, part)
    return target


def _import(name: str, folder: Path | None) -> ModuleType:
    """The module ``name``: from a file in ``folder`` when there is one, else the import path."""
    relative = Path(*name.split("."))
    found = None
    if folder is not None:
        found = next(
            (
                f
                for f in (folder / relative.with_suffix(".py"), folder / relative / "__init__.py")
                if f.is_file()
            ),
            None,
        )
    if found is None:
        return importlib.import_module(name)
    loaded = sys.modules.get(name)
    if loaded is not None and getattr(loaded, "__file__", None) == str(found):
        return loaded
    spec = importlib.util.spec_from_file_location(name, found)
    if spec is None or spec.loader is None:
        raise ImportError(f"{found} is not a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look their module up here
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[name]
        raise
    return module


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
