"""Objects made in a nested collection and handled at the top level are the scan's to delete and attack.

A full scan through the real CLI of a reading-list API (``shelf_app``, Flask) that adds
an entry at ``POST /v2/lists/{list_id}/entries`` and replaces or removes it at
``PUT``/``DELETE /v2/entries/{entry_id}``. The scan must link the two: its cleanup
deletes every entry it added, and ``bola`` tries one reader's replace and delete on
an entry another reader made for it. The fixed twin gives no finding.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from shelf_app import ENTRIES, IDENTITIES, LISTS, Shelf, running
from tests.conftest import run_apiward

WRITES = {"PUT /v2/entries/{entry_id}", "DELETE /v2/entries/{entry_id}"}


def _scan(shelf: Shelf, tmp_path: Path, *extra: str) -> dict[str, Any]:
    identities, out = tmp_path / "identities.yaml", tmp_path / "out.json"
    identities.write_text(IDENTITIES)
    with running(shelf) as url:
        command = ["scan", "--spec", f"{url}/openapi.json", "--target", url, "--allow-private"]
        done = run_apiward(*command, "--identities", str(identities), "--json", str(out), *extra)
    assert done.returncode in {0, 1}, done.stderr[-2000:]
    return dict(json.loads(out.read_text()))


def _bola(report: dict[str, Any]) -> set[str]:
    return {f["operation"] for f in report["findings"] if f["check"] == "bola"}


def _left_as_found(shelf: Shelf, report: dict[str, Any]) -> None:
    assert shelf.made, "the scan added no entry: the oracle below could not fail"
    assert shelf.entries == ENTRIES
    assert shelf.lists == LISTS
    rows = [r for r in report["tables"]["target_state"] if "/entries" in r["object"]]
    assert rows
    assert all(r["state"] == "deleted" for r in rows), rows


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_the_scan_deletes_every_entry_it_added(tmp_path: Path, flawed: bool) -> None:
    """Entries added under a list are deleted at ``/v2/entries/{id}``: none left, no seeded one touched."""
    shelf = Shelf(flawed=flawed)
    _left_as_found(shelf, _scan(shelf, tmp_path))


def test_one_readers_replace_and_delete_of_anothers_entry_are_found(tmp_path: Path) -> None:
    """bob replacing and deleting alice's entry at the top level are both BOLA findings."""
    shelf = Shelf(flawed=True)
    report = _scan(shelf, tmp_path, "--checks", "bola")
    assert _bola(report) >= WRITES
    _left_as_found(shelf, report)


def test_the_fixed_twin_gives_no_bola_finding(tmp_path: Path) -> None:
    """With the owner checked, the same attempts are refused: no finding, every write tried."""
    shelf = Shelf(flawed=False)
    report = _scan(shelf, tmp_path, "--checks", "bola")
    assert not _bola(report)
    skipped = {s["operation"] for s in report["skipped"] if s["check"] == "bola"}
    assert not skipped & WRITES, report["skipped"]
    _left_as_found(shelf, report)


def test_under_safe_the_entries_are_deleted_too(tmp_path: Path) -> None:
    """--safe sends no attack on a write, and still removes every entry its harvest added."""
    shelf = Shelf(flawed=True)
    report = _scan(shelf, tmp_path, "--safe")
    assert not _bola(report) & WRITES
    _left_as_found(shelf, report)
