"""Writes on an object path go to what the scan made; the target state tells the truth.

A full scan through the real CLI of a documents API (``fetcher_app``) whose
``POST /docs/{id}/fetch`` sets a field its ``PUT /docs/{id}`` cannot set back. The SSRF
and unsafe-consumption probes must go to a document the scan created, never to a
seeded one (by default and under ``--safe``); when ``--aggressive`` lets a probe
change a seeded document anyway, the target state must not call it restored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fetcher_app import IDENTITIES, SEED, Docs, running
from tests.conftest import run_apiward

CHECKS = "ssrf,unsafe_consumption"


def _scan(docs: Docs, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    identities = tmp_path / "identities.yaml"
    identities.write_text(IDENTITIES)
    out = tmp_path / "out.json"
    with running(docs) as url:
        command = ["scan", "--spec", f"{url}/openapi.json", "--target", url, "--allow-private"]
        command += ["--identities", str(identities), "--json", str(out), *extra]
        done = run_apiward(*command, timeout=280)  # the real CLI, as a user runs it
    assert out.exists(), done.stderr[-2000:]
    return done.returncode, json.loads(out.read_text())


def _rows(report: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return [r for r in report["tables"]["target_state"] if r["object"] == f"/docs/{key}"]


@pytest.mark.parametrize("mode", [(), ("--safe",)], ids=["default", "safe"])
def test_the_fetch_probes_go_to_a_document_the_scan_made(
    tmp_path: Path, mode: tuple[str, ...]
) -> None:
    """SSRF is found on a document of the scan's; every seeded document reads as seeded."""
    docs = Docs()
    code, report = _scan(docs, tmp_path, "--checks", CHECKS, *mode)
    assert docs.changed() == {}
    assert code in {0, 1}, report["notes"]  # no damage
    ssrf = [f for f in report["findings"] if f["check"] == "ssrf"]
    assert [f["operation"] for f in ssrf] == ["POST /docs/{id}/fetch"]
    sent = ssrf[0]["evidence"][0]["request"]["url"]
    assert not any(f"/docs/{key}/" in sent for key in SEED), sent
    for key in SEED:
        assert _rows(report, key) == [], _rows(report, key)


def test_a_write_on_a_seeded_document_is_not_sent_when_it_cannot_be_undone(
    tmp_path: Path,
) -> None:
    """Bob's fetch on alice's document (no owner check) would stick: not sent by default."""
    docs = Docs(owner_check=False)
    code, report = _scan(docs, tmp_path, "--checks", "bola")
    assert docs.changed() == {}
    assert code in {0, 1}, report["notes"]


def test_a_field_nothing_put_back_is_never_called_restored(tmp_path: Path) -> None:
    """--aggressive lets bob overwrite alice's document: the table says not restored, exit 3."""
    docs = Docs(owner_check=False)
    code, report = _scan(docs, tmp_path, "--checks", f"bola,{CHECKS}", "--aggressive")
    changed = docs.changed()
    assert changed, "no probe reached a seeded document: the oracle below could not fail"
    for key in changed:
        states = {r["state"] for r in _rows(report, key)}
        assert states == {"not restored"}, _rows(report, key)
    assert code == 3
