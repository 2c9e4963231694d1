"""``apiward diff RUN_A RUN_B``: what run B reports that run A did not, and the reverse."""

from __future__ import annotations

from typing import Annotated, Any

from rich.console import Console
from rich.markup import escape

from apiward.cli.recording import ReadStoreOption, run_id


def diff(
    run_a: Annotated[int, run_id("The earlier run's id.")],
    run_b: Annotated[int, run_id("The later run's id.")],
    store: ReadStoreOption = None,
) -> None:
    """Findings that appeared, disappeared (fixed or not tested) and changed between two runs."""
    from apiward.store import opened_store
    from apiward.store.diff import compare

    with opened_store(store, create=False) as engine, engine.connect() as connection:
        found = compare(connection, run_a, run_b)
    console = Console(highlight=False)
    console.print(f"[bold]appeared in run {run_b}[/]: {len(found.appeared)}")
    for f in found.appeared:
        console.print(f"  + {_line(f)}")
    console.print(f"[bold]disappeared[/]: {len(found.disappeared)}")
    for gone in found.disappeared:
        why = "fixed" if gone.tested else f"not tested by run {run_b}"
        console.print(f"  - {_line(gone.finding)} {escape(f'[{why}]')}")
    console.print(f"[bold]changed[/]: {len(found.changed)}")
    for changed in found.changed:
        what = "; ".join(f"{k}: {a!r} -> {b!r}" for k, (a, b) in changed.fields.items())
        console.print(f"  ~ {_line(changed.finding)}: {escape(what)}")


def _line(f: dict[str, Any]) -> str:
    where = f.get("operation") or (f.get("location") or {}).get("source") or "-"
    return escape(f"{f['fingerprint']} {f['severity']} {f['check']} {where}: {f['title']}")
