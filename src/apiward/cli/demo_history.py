"""Where ``apiward demo run`` records its two scans, and what it tells the user to run next.

Each demo run records into an API of its own (``demo-bank``, then ``demo-bank-2``...):
the vulnerable bank after its fixed twin would otherwise read as dozens of regressions,
and a second demo would tell a different story from the first. The API is registered on
the address ``apiward demo serve`` listens on by default, not on the throwaway port the
demo scanned, so ``apiward retest`` and ``scan --api`` work while that server runs.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from pathlib import Path

from apiward.core.findings import Finding
from apiward.report import Report

NAME = "demo-bank"
SERVE_URL = "http://127.0.0.1:8000"  # `apiward demo serve` without --port


def program() -> str:
    """How to call apiward again: ``apiward`` when on PATH, else the one that is running."""
    # `make demo` runs .venv/bin/apiward, which is seldom on PATH: name the one that ran.
    ran = sys.argv[0]
    if not shutil.which("apiward") and ran.endswith("__main__.py"):
        return f"{shlex.quote(sys.executable)} -m apiward"
    if not shutil.which("apiward") and ran.endswith("apiward"):
        return shlex.quote(ran)
    return "apiward"


def register(store: str | None, identities: Path) -> str:
    """Register a demo API no earlier demo run used; its name."""
    from apiward.store import opened_store
    from apiward.store.apis import add_api, list_apis

    with opened_store(store) as engine:
        taken = {api.name for api in list_apis(engine)}
        name = next(n for n in map(_nth, range(1, len(taken) + 2)) if n not in taken)
        add_api(
            engine, name, spec=f"{SERVE_URL}/openapi.json", target=SERVE_URL, identities=identities
        )
        return name


def _nth(index: int) -> str:
    return NAME if index == 1 else f"{NAME}-{index}"


def gone_line(vulnerable: Report, fixed: Report) -> str:
    """How many findings the fixed twin no longer reports: fixed (tested) or not tested."""
    from apiward.store.coverage import Coverage

    coverage = Coverage.of(
        ((r.check, r.operation) for r in fixed.ran),
        ((s.check, s.operation) for s in fixed.skipped),
        complete=fixed.complete,
    )
    still = {f.fingerprint for f in fixed.findings}
    gone: list[Finding] = [f for f in vulnerable.findings if f.fingerprint not in still]
    tested = sum(1 for f in gone if coverage.tested(f.check, f.operation))
    return (
        f"{len(gone)} findings disappear with the fixes: {tested} fixed, "
        f"{len(gone) - tested} not tested by the fixed twin"
    )


def next_steps(store: str | None, name: str) -> str:
    """The commands that show this demo's history, with its real run ids, and how to retest."""
    from apiward.store import opened_store
    from apiward.store.apis import get_api
    from apiward.store.runs import list_runs

    with opened_store(store) as engine, engine.connect() as connection:
        runs = list_runs(connection, get_api(connection, name).id, limit=2)
    where = f" --store {shlex.quote(store)}" if store else ""
    me = program()
    before, after = runs[-1].id, runs[0].id
    return (
        f"History: {me} findings list --api {name}{where}\n"
        f"         {me} diff {before} {after}{where}   # what the fixes removed\n"
        f"Retest a finding: {me} demo serve --fixed   (the bank's current release, in another "
        f"terminal: {name} is registered on {SERVE_URL}),\n"
        f"  then {me} retest FINGERPRINT --api {name}{where}"
    )
