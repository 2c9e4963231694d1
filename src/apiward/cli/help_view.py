"""How ``--help`` names what an option takes: ``TEXT``, ``PATH``, ``[low|high]``, never ``<bool>``.

Typer 0.29 shows each parameter's Python type (``<str>``, ``<list[str]>``, a flag as
``<bool>``) and a required argument as ``{spec}`` in the usage line. :func:`tidy` runs over
each verb's command as it is loaded (``apiward.cli.lazy``): a flag shows nothing, an option
its metavar or a word for its kind, an argument its name in capitals, as click does. It
also drops ``--install-completion``/``--show-completion``, which Typer adds to sub-apps
only: the root has none, so no verb shows them.
"""

from __future__ import annotations

# Typer (0.29+) vendors click; its parameter classes are the ones commands hold.
from typer import _click as click
from typer.core import TyperArgument, TyperOption

_COMPLETION = {"install_completion", "show_completion"}
_WORDS = {"str": "TEXT", "int": "INTEGER", "float": "NUMBER", "path": "PATH", "Path": "PATH"}


def takes(param: TyperOption | TyperArgument, ctx: click.Context) -> str:
    """What ``param`` takes, as help shows it: ``TEXT``, ``PATH``, ``[a|b]`` or its metavar."""
    if param.metavar is not None:
        return param.metavar
    # Typer's own label, e.g. <list[str]>, <int range>, <info|low>: kept but for its spelling.
    label = param.display_type(ctx).strip("<>").removesuffix(" range")
    if label.startswith("list[") and label.endswith("]"):
        label = label[len("list[") : -1]
    if "|" in label:
        return f"[{label}]"
    return _WORDS.get(label, label.upper())


class _Option(TyperOption):
    def display_type_rich(self, ctx: click.Context) -> str | None:
        return None if self.is_flag else takes(self, ctx)


class _Argument(TyperArgument):
    def display_type_rich(self, ctx: click.Context) -> str | None:
        return takes(self, ctx) if self.metavar is None else None

    def _rich_display_name(self) -> str:
        return self._named() + ("..." if self.nargs != 1 else "")

    def _usage_display_name(self) -> str:
        name = self._named() if self.required else f"[{self._named()}]"
        return name + ("..." if self.nargs != 1 else "")

    def _named(self) -> str:
        return self.metavar or (self.name or "").upper()


def tidy(command: click.Command) -> click.Command:
    """``command`` and its subcommands with the help described above (changed in place)."""
    command.params = [p for p in command.params if p.name not in _COMPLETION]
    # --help is made on first use and kept; making it now lets it be tidied with the rest.
    shown = command.get_help_option(click.Context(command))
    for param in [*command.params, *([shown] if shown else [])]:
        # The instances are Typer's own; only how they describe themselves changes.
        if type(param) is TyperOption:
            param.__class__ = _Option
        elif type(param) is TyperArgument:
            param.__class__ = _Argument
    for sub in getattr(command, "commands", {}).values():
        tidy(sub)
    return command
