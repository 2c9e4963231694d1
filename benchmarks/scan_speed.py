"""apiward's scan against schemathesis and OFFAT: same demo bank, same run, counted server-side.

    .venv/bin/python benchmarks/scan_speed.py [--max-examples 10] [--timeout 600]
                                             [--tools apiward,schemathesis,offat] [--no-fixed-peers]
                                             [--no-zoo]

Each tool gets a fresh vulnerable demo bank (scans change its state) served by uvicorn on
127.0.0.1:ephemeral behind a pure-ASGI counter, so "requests" is what the server received,
measured the same way for every tool (the spec download included; the benchmark's own
login for OFFAT's token is not). Wall time is the tool's whole process, start-up included.

- apiward: ``apiward scan`` with the demo's identities.yaml (four logins and anonymous);
  recall is computed against ground_truth.yaml with ``apiward.demo.missed`` (operation
  and the flaw's specific CWE must both match).
- schemathesis (own venv, ``.bench/schemathesis``): the same identities translated to a
  Web Fuzzing Commons auth file, the two customers as ``peers`` (its ST402 BOLA check),
  ``--max-examples`` per operation (default 10, so a run takes about half a minute here),
  ``--seed 1``, every phase and check at its defaults.
- OFFAT (own venv, ``.bench/offat``): alice's bearer token as a global ``-H`` header (its
  only auth for OpenAPI 3), all tests at their defaults.

A peer "touches" a planted flaw when it flags anything on the flaw's operation: that is
generous to the peers (no category match; a 500 or an undocumented status code counts).
Then apiward scans the fixed bank (findings >= medium are false positives), and so do the
peers unless ``--no-fixed-peers``. Then every tool scans each app of the zoo and its
secure twin (``benchmarks/_zoo.py`` says how), unless ``--no-zoo``. A peer that cannot install, crashes or times out is
reported in one line and the benchmark goes on. Nothing is stored: every figure is live.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from _bank import fresh_bank, login
from _peers import (
    OFFAT,
    ROOT,
    SCHEMATHESIS,
    ST_SECURITY,
    Flags,
    PeerError,
    Settings,
    ensure,
    offat_command,
    offat_flags,
    run,
    schemathesis_command,
    schemathesis_flags,
    workdir,
)
from _zoo import run_zoo
from apiward.core.findings import Finding, Severity, at_or_above
from apiward.demo import PlantedFlaw, load_ground_truth, missed

IDENTITIES = ROOT / "src" / "apiward" / "demo" / "identities.yaml"
TOOLS = ("apiward", "schemathesis", "offat")


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """One tool's run on one bank: time, server-side request count, what it flagged."""

    tool: str
    fixed: bool
    seconds: float = 0.0
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    flags: Flags | None = None
    findings: tuple[Finding, ...] = ()
    error: str | None = None

    @property
    def rate(self) -> float:
        """Requests the server received per second of the tool's wall time."""
        return self.requests / self.seconds if self.seconds else 0.0


Runner = Callable[[str, Path, Settings], tuple[list[str], Callable[[Path], Flags]]]


# Running one tool on one fresh bank ------------------------------------------------------


def measure(tool: str, *, fixed: bool, settings: Settings) -> Outcome:
    """Install if needed, serve a fresh bank, run the tool against it, read what it found."""
    bank = "fixed" if fixed else "vulnerable"
    try:
        prepare = _PREPARE[tool]()
        folder = workdir(tool, bank)
        with fresh_bank(fixed=fixed) as (url, tally):
            command, read = prepare(url, folder, settings)
            tally.reset()
            started = time.perf_counter()
            done = run(command, folder, settings.timeout)
            seconds = time.perf_counter() - started
            requests, statuses = tally.requests, Counter(tally.statuses)
        (folder / "stdout.txt").write_text(done.stdout)
        (folder / "stderr.txt").write_text(done.stderr)
        _check_exit(tool, done.returncode, done.stderr, folder)
        flags = read(folder)
    except PeerError as error:
        return Outcome(tool=tool, fixed=fixed, error=str(error))
    findings = _apiward_findings(folder) if tool == "apiward" else ()
    return Outcome(
        tool=tool,
        fixed=fixed,
        seconds=seconds,
        requests=requests,
        statuses=statuses,
        flags=flags,
        findings=findings,
    )


def _prepare_apiward() -> Runner:
    def prepare(url: str, folder: Path, _: Settings) -> tuple[list[str], Callable[[Path], Flags]]:
        command = [str(Path(sys.executable).parent / "apiward"), "scan"]
        command += ["--spec", f"{url}/openapi.json", "--allow-private", "--target", url]
        command += ["--identities", str(IDENTITIES), "--json", str(folder / "report.json")]
        return command, _apiward_flags

    return prepare


def _prepare_schemathesis() -> Runner:
    bin_dir = ensure("schemathesis", SCHEMATHESIS)

    def prepare(url: str, folder: Path, s: Settings) -> tuple[list[str], Callable[[Path], Flags]]:
        return schemathesis_command(bin_dir, folder, url, IDENTITIES, s.max_examples), (
            schemathesis_flags
        )

    return prepare


def _prepare_offat() -> Runner:
    bin_dir = ensure("offat", OFFAT)

    def prepare(url: str, folder: Path, _: Settings) -> tuple[list[str], Callable[[Path], Flags]]:
        token = login(url, "alice", "alice-wonderland-2026")
        templates = list(httpx.get(f"{url}/openapi.json", timeout=10).json()["paths"])
        return offat_command(bin_dir, folder, url, token), lambda f: offat_flags(f, templates)

    return prepare


_PREPARE: dict[str, Callable[[], Runner]] = {
    "apiward": _prepare_apiward,
    "schemathesis": _prepare_schemathesis,
    "offat": _prepare_offat,
}


def _apiward_findings(folder: Path) -> tuple[Finding, ...]:
    report = json.loads((folder / "report.json").read_text())
    return tuple(
        Finding(
            check=f["check"],
            title=f["title"],
            severity=Severity(f["severity"]),
            owasp=f["owasp"],
            cwe=f["cwe"],
            operation=f["operation"],
            key=f.get("key", ""),
        )
        for f in report["findings"]
    )


def _apiward_flags(folder: Path) -> Flags:
    path = folder / "report.json"
    if not path.exists():
        raise PeerError("apiward wrote no JSON report")
    flagged: dict[str, set[str]] = {}
    for finding in _apiward_findings(folder):
        flagged.setdefault(finding.operation or "(whole target)", set()).add(finding.check)
    report = json.loads(path.read_text())
    stats = report.get("stats", {})
    # Its own clock covers the scan phases only: the rest of the wall time is start-up,
    # spec load and writing the (redacted) report.
    note = (
        f"its own count: {stats.get('requests')} requests in {stats.get('seconds')} s of scanning"
    )
    if not report.get("complete"):
        note += "; report marked incomplete"
    return Flags(by_operation={op: frozenset(c) for op, c in flagged.items()}, note=note)


def _check_exit(tool: str, code: int, stderr: str, folder: Path) -> None:
    """apiward's exit 2 without a report is a failed run (with one, the report is partial)."""
    if tool == "apiward" and code not in (0, 1) and not (folder / "report.json").exists():
        raise PeerError(f"exit {code}: {_last_line(stderr)}")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else "(no output)"


# What each run found --------------------------------------------------------------------


def found(outcome: Outcome, flaws: tuple[PlantedFlaw, ...]) -> list[PlantedFlaw]:
    """apiward: flaws matched by a finding; peers: flaws whose operation they flagged."""
    if outcome.tool == "apiward":
        lost = missed(outcome.findings, flaws)
        return [f for f in flaws if f not in lost]
    flagged = outcome.flags.by_operation if outcome.flags else {}
    return [f for f in flaws if f.operation in flagged]


def security_touched(outcome: Outcome, flaws: tuple[PlantedFlaw, ...]) -> list[PlantedFlaw]:
    """schemathesis: the flaws its security checks alone (ST401/ST402) flag the operation of."""
    flagged = outcome.flags.by_operation if outcome.flags else {}
    ops = {op for op, codes in flagged.items() if codes & ST_SECURITY}
    return [f for f in flaws if f.operation in ops]


# Printing --------------------------------------------------------------------------------


def _statuses(counts: Counter[int]) -> str:
    classes = Counter(f"{status // 100}xx" for status in counts.elements())
    return ", ".join(f"{name} {classes[name]}" for name in sorted(classes))


def print_table(outcomes: list[Outcome], flaws: tuple[PlantedFlaw, ...]) -> None:
    """One line per tool: wall time, requests, rate, operations flagged, flaws found/touched."""
    print(f"{'tool':<13}{'wall s':>8}{'requests':>10}{'req/s':>8}{'ops flagged':>13}  flaws")
    for o in outcomes:
        if o.error:
            print(f"{o.tool:<13}  did not run: {o.error}")
            continue
        hits = len(found(o, flaws))
        verb = "found" if o.tool == "apiward" else "touched (operation only)"
        ops = len(o.flags.by_operation) if o.flags else 0
        print(
            f"{o.tool:<13}{o.seconds:>8.1f}{o.requests:>10}{o.rate:>8.0f}{ops:>13}  "
            f"{verb} {hits}/{len(flaws)} ({100 * hits / len(flaws):.0f}%)"
        )


def print_details(outcomes: list[Outcome], flaws: tuple[PlantedFlaw, ...]) -> None:
    """Per tool: statuses answered, what it flagged where, which planted flaws it reached."""
    for o in outcomes:
        if o.error or o.flags is None:
            continue
        note = f"; {o.flags.note}" if o.flags.note else ""
        print(f"\n{o.tool}: server answered {_statuses(o.statuses)}{note}")
        for op in sorted(o.flags.by_operation):
            print(f"  {op}: {', '.join(sorted(o.flags.by_operation[op]))}")
        hits = found(o, flaws)
        if o.tool == "apiward":
            lost = missed(o.findings, flaws)
            print(
                f"  recall {len(hits)}/{len(flaws)}; missed: {', '.join(f.id for f in lost) or 'none'}"
            )
        else:
            print(f"  touches {len(hits)}/{len(flaws)}: {', '.join(f.id for f in hits)}")
        if o.tool == "schemathesis":
            sec = security_touched(o, flaws)
            print(f"  by ST401/ST402 alone {len(sec)}/{len(flaws)}: {', '.join(f.id for f in sec)}")


def print_ratios(outcomes: list[Outcome], flaws: tuple[PlantedFlaw, ...]) -> None:
    """apiward against each peer that ran: time, requests, planted flaws."""
    ours = next((o for o in outcomes if o.tool == "apiward" and not o.error), None)
    if ours is None:
        return
    print("\napiward vs each peer (x = apiward's figure / the peer's):")
    for peer in outcomes:
        if peer is ours or peer.error:
            continue
        time_ratio = ours.seconds / peer.seconds if peer.seconds else 0.0
        request_ratio = ours.requests / peer.requests if peer.requests else 0.0
        security = ""
        if peer.tool == "schemathesis":
            security = f" ({len(security_touched(peer, flaws))} by ST401/ST402)"
        print(
            f"  vs {peer.tool:<13} time x{time_ratio:.2f}, requests x{request_ratio:.2f}; "
            f"flaws: apiward found {len(found(ours, flaws))}/{len(flaws)} by category, "
            f"{peer.tool} touched {len(found(peer, flaws))}{security} by operation only"
        )


def print_fixed(outcomes: list[Outcome]) -> None:
    """The fixed bank: apiward's findings >= medium, and what the peers flagged there."""
    for o in outcomes:
        if o.error or o.flags is None:
            print(f"  {o.tool:<13} did not run: {o.error}")
        elif o.tool == "apiward":
            serious = at_or_above(o.findings, Severity.MEDIUM)
            print(
                f"  {o.tool:<13}{o.seconds:6.1f} s {o.requests:6} requests; "
                f"{len(serious)} findings >= medium (false positives), {len(o.findings)} in all"
            )
            for f in serious:
                print(f"    {f.severity.value} {f.check} {f.operation}: {f.title}")
        else:
            flagged = o.flags.by_operation
            security = sum(bool(codes & ST_SECURITY) for codes in flagged.values())
            extra = f", {security} by ST401/ST402" if o.tool == "schemathesis" else ""
            print(
                f"  {o.tool:<13}{o.seconds:6.1f} s {o.requests:6} requests; "
                f"{len(flagged)} operations flagged{extra} (no planted flaw is left)"
            )


def main() -> None:
    """Run every tool on a fresh vulnerable bank, then on the fixed one, and print figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-examples", type=int, default=10, help="schemathesis per operation")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per tool run")
    parser.add_argument("--tools", default=",".join(TOOLS), help="comma-separated subset")
    parser.add_argument(
        "--no-fixed-peers", action="store_true", help="scan the fixed bank only with apiward"
    )
    parser.add_argument("--no-zoo", action="store_true", help="leave out the zoo (tests/zoo)")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # progress as it goes
    settings = Settings(max_examples=args.max_examples, timeout=args.timeout)
    tools = [t for t in TOOLS if t in args.tools.split(",")]
    flaws = load_ground_truth()
    print(f"demo bank (vulnerable, {len(flaws)} planted flaws), a fresh one per tool:")
    vulnerable = [measure(t, fixed=False, settings=settings) for t in tools]
    print_table(vulnerable, flaws)
    print_details(vulnerable, flaws)
    print_ratios(vulnerable, flaws)
    fixed_tools = [t for t in tools if t == "apiward" or not args.no_fixed_peers]
    print("\nfixed bank (every planted flaw corrected):")
    print_fixed([measure(t, fixed=True, settings=settings) for t in fixed_tools])
    if not args.no_zoo:
        run_zoo(tools, settings)


if __name__ == "__main__":
    main()
