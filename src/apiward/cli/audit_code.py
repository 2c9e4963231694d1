"""``apiward audit code`` and ``apiward audit deps``: review an API's source and dependencies."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from types import MappingProxyType
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from apiward.audit.code import audit_code
from apiward.audit.deps import (
    DepsAudit,
    audit_deps,
    installed_packages,
    load_advisories,
    read_packages,
)
from apiward.audit.deps.online import fetch_advisories
from apiward.audit.deps.packages import Package
from apiward.cli.outputs import (
    FailOnOption,
    JsonOption,
    JunitOption,
    Outputs,
    ReportOption,
    SarifOption,
    ShowSecretsOption,
    emit,
)
from apiward.cli.recording import ApiOption, StoreOption, record
from apiward.core.errors import ConfigError
from apiward.report import Ran, Report, Skipped


def code(
    path: Annotated[Path, typer.Argument(help="A Python file or the folder of the API's source.")],
    no_bandit: Annotated[
        bool, typer.Option("--no-bandit", help="Run apiward's rules only.")
    ] = False,
    json: JsonOption = None,
    sarif: SarifOption = None,
    junit: JunitOption = None,
    html: ReportOption = None,
    fail_on: FailOnOption = None,
    show_secrets: ShowSecretsOption = False,
    store: StoreOption = None,
    api_name: ApiOption = None,
) -> None:
    """Review Python source: bandit's analysis plus apiward's API rules (auth, SQL, JWT, TLS...)."""
    outputs = Outputs(
        json=json, sarif=sarif, junit=junit, html=html, fail_on=fail_on, show_secrets=show_secrets
    )
    outputs.check(inputs=[path])
    started = datetime.now(UTC)
    result = audit_code(path, bandit=not no_bandit)
    report = Report(
        tool="audit code",
        target=str(path),
        started=started,
        finished=datetime.now(UTC),
        findings=result.findings,
        ran=tuple(Ran(check=rule) for rule in result.rules),
        skipped=tuple(Skipped(check="code", reason=f"{f}: {why}") for f, why in result.unparsed),
        stats=MappingProxyType({"files": result.files, "rules": len(result.rules)}),
    )
    console = Console(highlight=False)
    code = emit(report, outputs, console)
    options = {"path": path, "no-bandit": no_bandit}
    record(report, store=store, api=api_name, options=options, console=console)
    raise typer.Exit(code)


def deps(
    requirements: Annotated[
        Path | None,
        typer.Option(
            "--requirements",
            "-r",
            help="A pinned requirements.txt, pylock.toml, poetry.lock or uv.lock.",
        ),
    ] = None,
    installed: Annotated[
        bool,
        typer.Option("--installed", help="Audit the packages installed in this environment."),
    ] = False,
    vulns: Annotated[
        Path | None,
        typer.Option("--vulns", help="OSV records (a JSON file or a folder): offline, no network."),
    ] = None,
    osv_url: Annotated[
        str | None,
        typer.Option("--osv-url", help="OSV API base URL without --vulns [env APIWARD_OSV_URL]."),
    ] = None,
    sbom: Annotated[
        Path | None,
        typer.Option("--sbom", metavar="PATH", help="Write a CycloneDX 1.6 JSON SBOM here."),
    ] = None,
    json: JsonOption = None,
    sarif: SarifOption = None,
    junit: JunitOption = None,
    html: ReportOption = None,
    fail_on: FailOnOption = None,
    show_secrets: ShowSecretsOption = False,
    store: StoreOption = None,
    api_name: ApiOption = None,
) -> None:
    """Check pinned or installed packages for known vulnerabilities (OSV), and export an SBOM."""
    outputs = Outputs(
        json=json, sarif=sarif, junit=junit, html=html, fail_on=fail_on, show_secrets=show_secrets
    )
    outputs.check(("--sbom", sbom), inputs=[requirements, vulns])
    started = datetime.now(UTC)
    packages, target = _packages(requirements, installed)
    advisories = (
        load_advisories(vulns) if vulns is not None else fetch_advisories(packages, url=osv_url)
    )
    result = audit_deps(packages, advisories)
    console = Console(highlight=False)
    if sbom is not None:
        # Imported here: the SBOM's schema validation imports jsonschema's format checkers,
        # 1.8 s of grammar building that every other `apiward audit` run would pay.
        from apiward.audit.deps.sbom import write_sbom

        write_sbom(sbom, result.packages, result.matches)
    report = _deps_report(result, target, started, vulns)
    code = emit(report, outputs, console)
    options = {"requirements": requirements, "installed": installed, "vulns": vulns}
    record(report, store=store, api=api_name, options=options, console=console)
    if sbom is not None:
        console.print(f"[dim]CycloneDX SBOM written to[/] {escape(str(sbom))}")
    raise typer.Exit(code)


def _packages(requirements: Path | None, installed: bool) -> tuple[list[Package], str]:
    if (requirements is None) == (not installed):
        raise ConfigError("give exactly one of --requirements FILE or --installed")
    if requirements is not None:
        return read_packages(requirements), str(requirements)
    return installed_packages(), "installed environment"


def _deps_report(result: DepsAudit, target: str, started: datetime, vulns: Path | None) -> Report:
    source = f"offline file {vulns}" if vulns is not None else "the OSV API"
    return Report(
        tool="audit deps",
        target=target,
        started=started,
        finished=datetime.now(UTC),
        findings=result.findings,
        ran=tuple(Ran(check="deps.vulnerable", operation=p.purl) for p in result.packages),
        stats=MappingProxyType(
            {
                "packages": len(result.packages),
                "advisories": result.advisories,
                "vulnerable": len({m.package.purl for m in result.matches}),
            }
        ),
        notes=(f"advisories from {source}",),
    )
