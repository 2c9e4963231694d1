"""The zoo (tests/zoo) scanned by apiward and by the peers: recall, twin alarms, requests, time.

Each app is served fresh per tool run, in this process on 127.0.0.1:ephemeral, behind a
counter (ASGI or WSGI) so that "requests" is what the app received, measured alike for
every tool. apiward gets the app's identities file as a user would write it. The peers get
what they can take: one bearer header or session cookie of the app's first identity, which
this benchmark logs in itself (schemathesis and OFFAT take headers; neither logs in through
a query string or keeps a cookie session on its own).

apiward *finds* a planted flaw when a finding has one of the flaw's operations and CWEs;
a peer *touches* it when it flags anything on one of the flaw's operations (generous to
the peers, as for the bank). On each secure twin, apiward's findings of medium or above and
the operations a peer flagged are its false alarms.
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from _bank import Counting, Tally
from _peers import (
    OFFAT,
    ROOT,
    SCHEMATHESIS,
    Flags,
    PeerError,
    Settings,
    ensure,
    offat_flags,
    run,
    schemathesis_flags,
    workdir,
)

sys.path.insert(0, str(ROOT / "tests" / "zoo"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from zoo_apps import APPS, Flaw, ZooApp, ground_truth
from zoo_serve import serving

from zoo_recall import logged_in, strict

MEDIUM_OR_ABOVE = {"medium", "high", "critical"}


@dataclass(frozen=True, slots=True, kw_only=True)
class ZooRun:
    """One tool on one app (vulnerable or its twin)."""

    tool: str
    app: str
    secure: bool
    seconds: float = 0.0
    requests: int = 0
    flagged: dict[str, frozenset[str]] = field(default_factory=dict)
    """Operation -> labels (apiward: check and CWE of findings of medium or above on twins)."""
    findings: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


class CountingWsgi:
    """WSGI middleware: counts each request and the status it was answered with."""

    def __init__(self, app: Any, tally: Tally) -> None:
        self.app = app
        self.tally = tally

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        """Pass everything through; count on the way."""
        self.tally.requests += 1

        def counting_start(status: str, headers: Any, *rest: Any) -> Any:
            self.tally.statuses[int(status.split(" ", 1)[0])] += 1
            return start_response(status, headers, *rest)

        return self.app(environ, counting_start)


@contextmanager
def counted(app: ZooApp, *, secure: bool) -> Iterator[tuple[str, Tally]]:
    """A fresh app of the zoo behind a counter; yields (URL, tally)."""
    # The apps log each planted 500 with its traceback; scanners cause hundreds on purpose.
    logging.disable(logging.ERROR)
    tally = Tally()
    made = app.make(secure=secure)
    wrapped = CountingWsgi(made, tally) if app.wsgi else Counting(made, tally)
    with serving(wrapped, wsgi=app.wsgi) as url:
        yield url, tally


def _peer_header(app: ZooApp, url: str, folder: Path) -> str:
    """The first identity's credentials as one ``Name: value`` header, logged in here."""
    data = yaml.safe_load(logged_in(app, url, folder).read_text(encoding="utf-8"))
    first = data["identities"][0]
    if first.get("headers"):
        name, value = next(iter(first["headers"].items()))
        return f"{name}: {value}"
    cookies = "; ".join(f"{k}={v}" for k, v in first.get("cookies", {}).items())
    return f"Cookie: {cookies}"


def _apiward(app: ZooApp, url: str, folder: Path, _: Settings) -> tuple[list[str], Reader]:
    out = folder / "report.json"
    command = [str(Path(sys.executable).parent / "apiward"), "scan"]
    command += ["--spec", app.spec_location(url), "--allow-private", "--target", url]
    command += ["--identities", str(app.identities), "--json", str(out)]

    def read(_: Path) -> Flags:
        if not out.exists():
            raise PeerError("apiward wrote no JSON report")
        return Flags(by_operation={})

    return command, read


def _schemathesis(app: ZooApp, url: str, folder: Path, s: Settings) -> tuple[list[str], Reader]:
    bin_dir = ensure("schemathesis", SCHEMATHESIS)
    command = [str(bin_dir / "schemathesis"), "--no-color", "run", app.spec_location(url)]
    command += ["--url", url, "-H", _peer_header(app, url, folder)]
    command += ["--max-examples", str(s.max_examples), "--seed", "1"]
    command += ["--generation-database", "none", "--report", "json"]
    command += ["--report-json-path", str(folder / "report.json")]
    return command, schemathesis_flags


def _offat(app: ZooApp, url: str, folder: Path, _: Settings) -> tuple[list[str], Reader]:
    bin_dir = ensure("offat", OFFAT)
    # OFFAT reads a contract URL only as JSON; some apps serve YAML (drf-spectacular).
    location = app.spec_location(url)
    text = httpx.get(location, timeout=10).text if location.startswith("http") else None
    contract = yaml.safe_load(text if text is not None else Path(location).read_text())
    spec = folder / "openapi.json"
    spec.write_text(json.dumps(contract))
    templates = list(contract["paths"])
    command = [str(bin_dir / "offat"), "-f", str(spec), "--server", url]
    command += ["-H", _peer_header(app, url, folder), "-of", "json"]
    command += ["-o", str(folder / "results.json")]
    return command, lambda f: offat_flags(f, templates)


Reader = Callable[[Path], Flags]
_PREPARE: dict[str, Callable[[ZooApp, str, Path, Settings], tuple[list[str], Reader]]] = {
    "apiward": _apiward,
    "schemathesis": _schemathesis,
    "offat": _offat,
}


def measure(tool: str, app: ZooApp, *, secure: bool, settings: Settings) -> ZooRun:
    """Serve a fresh app, run the tool against it, read what it flagged."""
    folder = workdir(tool, f"zoo-{app.name}-{'secure' if secure else 'vulnerable'}")
    try:
        with counted(app, secure=secure) as (url, tally):
            command, read = _PREPARE[tool](app, url, folder, settings)
            tally.reset()  # the benchmark's own logins for the peers are not theirs
            started = time.perf_counter()
            done = run(command, folder, settings.timeout)
            seconds, requests = time.perf_counter() - started, tally.requests
        (folder / "stdout.txt").write_text(done.stdout)
        (folder / "stderr.txt").write_text(done.stderr)
        flags = read(folder)
    except PeerError as error:
        return ZooRun(tool=tool, app=app.name, secure=secure, error=str(error))
    findings: list[dict[str, Any]] = []
    if tool == "apiward":
        findings = json.loads((folder / "report.json").read_text())["findings"]
    return ZooRun(
        tool=tool,
        app=app.name,
        secure=secure,
        seconds=seconds,
        requests=requests,
        flagged=dict(flags.by_operation),
        findings=findings,
    )


def hits(result: ZooRun, flaws: list[Flaw]) -> list[Flaw]:
    """apiward: flaws a finding matches (operation and CWE); peers: flaws whose operation they flagged."""
    if result.tool == "apiward":
        return [f for f in flaws if any(strict(x, f) for x in result.findings)]
    return [f for f in flaws if set(f.operations) & set(result.flagged)]


def alarms(result: ZooRun) -> int:
    """On a secure twin: apiward's findings of medium or above, a peer's flagged operations."""
    if result.tool == "apiward":
        return sum(f.get("severity") in MEDIUM_OR_ABOVE for f in result.findings)
    return len(result.flagged)


def run_zoo(tools: list[str], settings: Settings) -> None:
    """Every tool on every zoo app and its twin; print one table and the totals per tool."""
    print("\nzoo (tests/zoo), a fresh app per run:")
    print(f"{'app':<9}{'tool':<14}{'flaws':>8}{'twin alarms':>13}{'requests':>16}{'seconds':>14}")
    totals: dict[str, list[float]] = {t: [0, 0, 0, 0, 0.0] for t in tools}
    for app in APPS:
        flaws = ground_truth(app)
        for tool in tools:
            vulnerable = measure(tool, app, secure=False, settings=settings)
            twin = measure(tool, app, secure=True, settings=settings)
            failed = vulnerable.error or twin.error
            if failed:
                print(f"{app.name:<9}{tool:<14}  did not run: {failed}")
                continue
            found, false = len(hits(vulnerable, flaws)), alarms(twin)
            requests = f"{vulnerable.requests} + {twin.requests}"
            seconds = f"{vulnerable.seconds:.0f} + {twin.seconds:.0f}"
            print(
                f"{app.name:<9}{tool:<14}{found:>5}/{len(flaws):<2}{false:>13}"
                f"{requests:>16}{seconds:>14}"
            )
            total = totals[tool]
            total[0] += found
            total[1] += len(flaws)
            total[2] += false
            total[3] += vulnerable.requests + twin.requests
            total[4] += vulnerable.seconds + twin.seconds
    print("\nzoo totals (apiward: found by operation and CWE; peers: touched by operation):")
    for tool, (found, of, false, requests, seconds) in totals.items():
        if of:
            print(
                f"  {tool:<13}{found:.0f}/{of:.0f} flaws, {false:.0f} twin alarms, "
                f"{requests:.0f} requests, {seconds:.0f} s"
            )
