"""How much of the zoo the scanner finds: planted flaws on each vulnerable app, alarms on its twin.

    .venv/bin/python benchmarks/zoo_recall.py [--aggressive] [APP ...]   # default: every app

``--aggressive`` scans as ``apiward scan --aggressive`` does (creations nothing deletes
are sent): the zoo's apps are disposable, so both figures can be read.

Each app of ``tests/zoo`` (vulnerable, then secure) is started in its own process on
127.0.0.1 and scanned through the real CLI (``apiward scan ... --identities <app>/identities.yaml
--json``). A finding *matches* a planted flaw when its operation is one of the flaw's and
its CWE is one of the flaw's (strict); the looser match takes the operation and either the
OWASP id or the CWE. When the scanner cannot log in with an app's identities file as
written, the app is scanned a second time (row marked ``*``) with identities that this
script logged in itself (fixed headers or cookies), so the checks still get measured.

It prints figures and asserts nothing: the scanner is being improved, the zoo is the yardstick.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "zoo"))

from zoo_apps import APPS, Flaw, ZooApp, ground_truth  # noqa: E402

APIWARD = Path(sys.executable).with_name("apiward")
SCAN_TIMEOUT = 900
MEDIUM_OR_ABOVE = {"medium", "high", "critical"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Scan:
    """One scan's outcome, as the JSON report and the exit code tell it."""

    findings: list[dict[str, Any]]
    requests: int
    seconds: float
    exit_code: int
    error: str


def scan(app: ZooApp, url: str, identities: Path) -> Scan:
    """Run ``apiward scan`` on ``url`` with ``identities``; read its JSON report."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.json"
        command = [str(APIWARD), "scan", "--spec", app.spec_location(url), "--target", url]
        command += ["--identities", str(identities), "--json", str(out), *EXTRA]
        started = time.monotonic()
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=SCAN_TIMEOUT, check=False
        )
        seconds = time.monotonic() - started
        report = json.loads(out.read_text()) if out.exists() else {}
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    return Scan(
        findings=report.get("findings", []),
        requests=report.get("stats", {}).get("requests", 0),
        seconds=seconds,
        exit_code=done.returncode,
        error=errors[0] if errors else "",
    )


def strict(finding: dict[str, Any], flaw: Flaw) -> bool:
    """Same operation and one of the flaw's CWEs."""
    return finding.get("operation") in flaw.operations and finding.get("cwe") in flaw.cwe


def loose(finding: dict[str, Any], flaw: Flaw) -> bool:
    """Same operation and the same OWASP id or one of the flaw's CWEs."""
    same = finding.get("owasp") == flaw.owasp or finding.get("cwe") in flaw.cwe
    return finding.get("operation") in flaw.operations and same


def logged_in(app: ZooApp, url: str, folder: Path) -> Path:
    """An identities file whose identities this script logged in itself (headers or cookies)."""
    data = yaml.safe_load(app.identities.read_text(encoding="utf-8"))
    for identity in data["identities"]:
        login = identity.pop("login", None)
        if login is None:
            continue
        method, path = login["operation"].split(" ", 1)
        with httpx.Client(base_url=url) as web:
            answer = web.request(
                method,
                path,
                json=login.get("json"),
                data=login.get("form"),
                params=login.get("query"),
            )
            if "token" in login:
                token: Any = answer.json()
                for key in login["token"].split("."):
                    token = token[key]
                prefix = login.get("prefix", "Bearer ")
                identity["headers"] = {login.get("header", "Authorization"): f"{prefix}{token}"}
            else:
                identity["cookies"] = dict(web.cookies)
    target = folder / f"{app.name}-logged-in.yaml"
    target.write_text(yaml.safe_dump(data), encoding="utf-8")
    return target


def measure(app: ZooApp, *, prelogged: bool) -> tuple[Scan, Scan]:
    """Scan the vulnerable app and its secure twin."""
    outcomes = []
    with tempfile.TemporaryDirectory() as folder:
        for secure in (False, True):
            with app.running(secure=secure, process=True) as url:
                identities = logged_in(app, url, Path(folder)) if prelogged else app.identities
                outcomes.append(scan(app, url, identities))
    return outcomes[0], outcomes[1]


def row(app: ZooApp, label: str, vulnerable: Scan, secure: Scan) -> str:
    """One line of the table."""
    flaws = ground_truth(app)
    found = sum(any(strict(f, flaw) for f in vulnerable.findings) for flaw in flaws)
    near = sum(any(loose(f, flaw) for f in vulnerable.findings) for flaw in flaws)
    alarms = sum(f.get("severity") in MEDIUM_OR_ABOVE for f in secure.findings)
    return (
        f"| {label} | {app.framework} | {found}/{len(flaws)} | {near}/{len(flaws)} | {alarms} "
        f"| {vulnerable.requests} + {secure.requests} "
        f"| {vulnerable.seconds:.0f} + {secure.seconds:.0f} |"
    )


def details(app: ZooApp, vulnerable: Scan, secure: Scan) -> list[str]:
    """What was missed (and what the scanner said on those operations), and the twin's alarms."""
    lines = []
    for flaw in ground_truth(app):
        if any(strict(f, flaw) for f in vulnerable.findings):
            continue
        said = sorted(
            {
                f"{f['check']} {f.get('cwe')}"
                for f in vulnerable.findings
                if f.get("operation") in flaw.operations
            }
        )
        lines.append(
            f"  missed {flaw.id} ({flaw.owasp} {'/'.join(flaw.cwe)}); on its operations: {said or 'nothing'}"
        )
    for f in secure.findings:
        if f.get("severity") in MEDIUM_OR_ABOVE:
            lines.append(
                f"  twin alarm: {f['severity']} {f['check']} {f.get('operation')}: {f['title']}"
            )
    for name, outcome in (("vulnerable", vulnerable), ("secure", secure)):
        if outcome.exit_code not in (0, 1):
            lines.append(f"  {name} scan exit {outcome.exit_code}: {outcome.error}")
    return lines


def main(names: list[str]) -> None:
    """Scan the chosen apps and print the table, then the details."""
    os.environ.setdefault("NO_COLOR", "1")
    rows, notes = [], []
    for app in [a for a in APPS if not names or a.name in names]:
        vulnerable, secure = measure(app, prelogged=False)
        rows.append(row(app, app.name, vulnerable, secure))
        notes += [f"{app.name}:", *details(app, vulnerable, secure)]
        if vulnerable.exit_code == 2 and "identities.yaml" in vulnerable.error:
            vulnerable, secure = measure(app, prelogged=True)
            rows.append(row(app, f"{app.name}*", vulnerable, secure))
            notes += [
                f"{app.name}* (identities logged in by this script):",
                *details(app, vulnerable, secure),
            ]
    print(
        "| app | framework | found (op+CWE) | found (op+OWASP or CWE) | twin medium+ | requests (vuln + twin) | seconds |"
    )
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    print("\n".join(["", *notes]))


EXTRA: list[str] = []
"""Options passed on to every scan (``--aggressive``)."""

if __name__ == "__main__":
    EXTRA += [a for a in sys.argv[1:] if a == "--aggressive"]
    main([a for a in sys.argv[1:] if a != "--aggressive"])
