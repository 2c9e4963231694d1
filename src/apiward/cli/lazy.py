"""Verbs loaded on first use, so ``apiward --version`` and ``--help`` start at once.

A verb's module imports what its work needs (FastAPI and the demo bank, the scanner and
its checks, the guard), which took about 2 s before any output. The root group knows each
verb by name, module and one-line help; it imports the module only when the verb runs
(or when its own ``--help`` is asked for). ``tests/cli/test_startup.py`` checks that each
one-line help here is the verb's own.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import ClassVar

import typer

# Typer (0.29+) vendors click and its group API takes that click's types, not the package's.
from typer import _click as click
from typer.core import TyperCommand, TyperGroup

from apiward.cli.help_view import tidy


@dataclass(frozen=True, slots=True)
class Verb:
    """Where a verb lives: ``module:attribute`` (a Typer app or a command function)."""

    target: str
    help: str

    def load(self, name: str) -> click.Command:
        """The verb's click command, importing its module."""
        module, _, attribute = self.target.partition(":")
        found = getattr(importlib.import_module(module), attribute)
        if isinstance(found, typer.Typer):
            command: click.Command = typer.main.get_group(found)
        else:
            single = typer.Typer()
            single.command(name)(found)
            command = typer.main.get_command(single)
        command.name = name
        return tidy(command)


class LazyGroup(TyperGroup):
    """A Typer group whose ``verbs`` are imported on first use."""

    verbs: ClassVar[Mapping[str, Verb]] = {}

    def __init__(self, **attributes: object) -> None:
        super().__init__(**attributes)  # type: ignore[arg-type]
        self._loaded: dict[str, click.Command] = {}
        self._listing = False

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Registered commands, then the lazy verbs, in the order they were declared."""
        return [*super().list_commands(ctx), *self.verbs]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The verb's command; while the root's help is drawn, a stand-in with its help."""
        verb = self.verbs.get(cmd_name)
        if verb is None:
            return super().get_command(ctx, cmd_name)
        if self._listing and cmd_name not in self._loaded:
            return TyperCommand(cmd_name, help=verb.help, short_help=verb.help)
        if cmd_name not in self._loaded:
            self._loaded[cmd_name] = verb.load(cmd_name)
        return self._loaded[cmd_name]

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The root's help, listing the verbs without importing them."""
        self._listing = True
        tidy(self)  # the root's own options; its verbs are tidied as they load
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False


def lazy_group(verbs: Mapping[str, Verb]) -> type[LazyGroup]:
    """A :class:`LazyGroup` class that knows these verbs (Typer instantiates it)."""
    return type("ApiwardGroup", (LazyGroup,), {"verbs": verbs})
