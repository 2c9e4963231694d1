"""The output options every verb shares, and the one call that prints, writes and exits.

A verb's command takes the same six options through these aliases, builds its
:class:`~apiward.report.Report`, and ends with :func:`emit`::

    @app.command()
    def contract(
        spec: str,
        json: JsonOption = None, sarif: SarifOption = None, junit: JunitOption = None,
        html: ReportOption = None, fail_on: FailOnOption = None,
        show_secrets: ShowSecretsOption = False,
    ) -> None:
        outputs = Outputs(json=json, sarif=sarif, junit=junit, html=html,
                          fail_on=fail_on, show_secrets=show_secrets)
        report = ...
        raise typer.Exit(emit(report, outputs, Console(), secrets=identities.secrets()))

Before any work, ``outputs.check()`` refuses two outputs that name one file (after
resolving links and ``..``) and any output that cannot be written, so a long scan never
ends in "cannot write report".

Exit codes: 0 clean (or no ``--fail-on``), 1 a finding at or above ``--fail-on``,
2 bad input, raised as an ApiwardError and turned into one line by ``cli.app.main``
(an unwritable output path is one).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console, RenderableType
from rich.markup import escape

from apiward.core.errors import ConfigError
from apiward.core.findings import Severity
from apiward.core.redact import Redactor
from apiward.report import Report, exit_code, render_terminal, write
from apiward.report.redacted import prepare

_PANEL = "Output"

JsonOption = Annotated[
    Path | None,
    typer.Option(
        "--json", metavar="PATH", help="Write the JSON report here.", rich_help_panel=_PANEL
    ),
]
SarifOption = Annotated[
    Path | None,
    typer.Option(
        "--sarif", metavar="PATH", help="Write a SARIF 2.1.0 log here.", rich_help_panel=_PANEL
    ),
]
JunitOption = Annotated[
    Path | None,
    typer.Option("--junit", metavar="PATH", help="Write JUnit XML here.", rich_help_panel=_PANEL),
]
ReportOption = Annotated[
    Path | None,
    typer.Option(
        "--report", metavar="PATH", help="Write the HTML report here.", rich_help_panel=_PANEL
    ),
]
FailOnOption = Annotated[
    Severity | None,
    typer.Option(
        "--fail-on",
        case_sensitive=False,
        help="Exit 1 when a finding is this severe or worse (default: exit 0 whatever is found).",
        rich_help_panel=_PANEL,
    ),
]
ShowSecretsOption = Annotated[
    bool,
    typer.Option(
        "--show-secrets",
        help="Show credentials in reports and output instead of redacting them.",
        rich_help_panel=_PANEL,
    ),
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Outputs:
    """What the user asked for: which files, when to fail, whether to show secrets."""

    json: Path | None = None
    sarif: Path | None = None
    junit: Path | None = None
    html: Path | None = None
    fail_on: Severity | None = None
    show_secrets: bool = False

    def files(self) -> tuple[tuple[str, Path], ...]:
        """``(format name, path)`` for each requested file, in a fixed order."""
        wanted = (("json", self.json), ("sarif", self.sarif), ("junit", self.junit))
        return tuple((name, path) for name, path in (*wanted, ("html", self.html)) if path)

    def check(
        self, *extra: tuple[str, Path | None], inputs: Iterable[str | Path | None] = ()
    ) -> None:
        """Refuse outputs that name one file, overwrite an input, or cannot be written.

        ``extra``: other output options of the verb, ``("--sbom", path)``.
        """
        named = [(_OPTIONS[name], path) for name, path in self.files()]
        named += [(option, path) for option, path in extra if path is not None]
        read = {Path(p).resolve() for p in inputs if p is not None and "://" not in str(p)}
        taken: dict[Path, str] = {}
        for option, path in named:
            resolved = path.resolve()
            if resolved in taken:
                raise ConfigError(
                    f"{taken[resolved]} and {option} name the same file", source=str(path)
                )
            if resolved in read:
                raise ConfigError(f"{option} would overwrite an input file", source=str(path))
            taken[resolved] = option
            _check_writable(option, path, resolved)

    def redactor(
        self,
        secrets: Iterable[str] = (),
        *,
        names: Iterable[str] = (),
        owners: Mapping[str, str] | None = None,
    ) -> Redactor:
        """The redactor for this run: off with ``--show-secrets``, else told the run's secrets.

        ``names`` and ``owners`` are the credential names and whose each value is
        (``Results.names``/``owners``): masks then say whose credential goes there.
        """
        return Redactor(secrets, enabled=not self.show_secrets, names=names, owners=owners)


_OPTIONS = {"json": "--json", "sarif": "--sarif", "junit": "--junit", "html": "--report"}


def _check_writable(option: str, path: Path, resolved: Path) -> None:
    """Create and remove a file beside ``path``: what writing the report will do, tried now."""
    if resolved.is_dir():
        raise ConfigError(f"{option} names a directory, not a file", source=str(path))
    if not resolved.parent.is_dir():
        raise ConfigError(f"{option}: its folder does not exist", source=str(path))
    try:
        fd, probe = tempfile.mkstemp(
            prefix=f".{resolved.name}.", suffix=".tmp", dir=resolved.parent
        )
    except OSError as error:
        raise ConfigError(
            f"{option}: cannot write here: {error.strerror}", source=str(path)
        ) from None
    os.close(fd)
    os.unlink(probe)


def emit(
    report: Report,
    outputs: Outputs,
    console: Console,
    secrets: Iterable[str] = (),
    *,
    names: Iterable[str] = (),
    owners: Mapping[str, str] | None = None,
    brief: bool = False,
    lead: Sequence[RenderableType] = (),
    trail: Sequence[RenderableType] = (),
) -> int:
    """Print ``report``, write every requested file, and return the exit code (0 or 1).

    ``brief`` and ``lead`` shape the terminal only (:func:`apiward.report.terminal.render`);
    ``trail`` follows the report, before the lines naming the files written, never wrapped
    (a table keeps to the terminal's width, a long line stays whole for copying).

    Files are written even when printing fails halfway (a closed pipe), and each one
    atomically, so a partial run still leaves whole reports behind.
    """
    # Redact once, not once per format: on big reports the regexes are most of the cost.
    # What comes out is already masked, so the writers need not mask it again.
    report = prepare(report, outputs.redactor(secrets, names=names, owners=owners))
    redactor = Redactor(enabled=False)
    try:
        console.print(render_terminal(report, redactor, brief=brief, lead=lead))
        for item in trail:
            console.print(item, soft_wrap=True)
    finally:
        for format_name, path in outputs.files():
            write(report, path, format_name, redactor)
    for format_name, path in outputs.files():
        console.print(f"[dim]{format_name} report written to[/] {escape(str(path))}")
    return exit_code(report, outputs.fail_on)
