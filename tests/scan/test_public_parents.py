"""A public parent nobody created does not make the caller's own objects under it another's.

A full scan through the real CLI of a workshop-booking API (``workshop_app``, Falcon):
anyone lists the studio's workshops without logging in, and a member books, renames and
cancels bookings under one (``/workshops/{slug}/bookings/{booking_uuid}``). Those writes
are the member's own and must be tested: ``bola`` finds one member renaming another's
booking, ``negative_amount`` a negative number of seats; the fixed twin gives neither.
The workshop itself is never written (``PUT /workshops/{slug}`` stays withheld), and the
cleanup cancels every booking the scan made, so every balance is as it was.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_apiward
from workshop_app import BALANCES, BOOKINGS, IDENTITIES, WORKSHOPS, Studio, running

PLANTED = {
    ("bola", "PATCH /workshops/{slug}/bookings/{booking_uuid}"),
    ("negative_amount", "POST /workshops/{slug}/bookings"),
}
CHECKS = "bola,negative_amount,sql_injection"


def _scan(studio: Studio, tmp_path: Path, *extra: str) -> dict[str, Any]:
    identities, out = tmp_path / "identities.yaml", tmp_path / "out.json"
    identities.write_text(IDENTITIES)
    with running(studio) as url:
        command = ["scan", "--spec", f"{url}/openapi.json", "--target", url, "--allow-private"]
        done = run_apiward(*command, "--identities", str(identities), "--json", str(out), *extra)
    assert done.returncode in {0, 1}, done.stderr[-2000:]
    return dict(json.loads(out.read_text()))


def _found(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["check"], f["operation"]) for f in report["findings"]}


def _left_as_found(studio: Studio, report: dict[str, Any]) -> None:
    assert studio.booked, "the scan booked nothing: the oracle below could not fail"
    assert studio.bookings == BOOKINGS
    assert studio.balances == BALANCES
    assert studio.workshops == WORKSHOPS
    rows = [r for r in report["tables"]["target_state"] if "/bookings" in r["object"]]
    assert rows
    assert all(r["state"] == "deleted" for r in rows), rows


def _withheld(report: dict[str, Any], operation: str) -> list[str]:
    return [
        s["detail"]
        for s in report["skipped"]
        if s["operation"] == operation and "names another's object" in s["detail"]
    ]


def test_the_members_own_bookings_under_a_public_workshop_are_tested(tmp_path: Path) -> None:
    """Renaming another's booking and booking negative seats are found; the workshop stays withheld."""
    studio = Studio(flawed=True)
    report = _scan(studio, tmp_path, "--checks", CHECKS)
    assert _found(report) >= PLANTED
    for operation in (
        "POST /workshops/{slug}/bookings",
        "PATCH /workshops/{slug}/bookings/{booking_uuid}",
        "DELETE /workshops/{slug}/bookings/{booking_uuid}",
    ):
        assert not _withheld(report, operation), operation
    assert _withheld(report, "PUT /workshops/{slug}")
    _left_as_found(studio, report)


def test_the_fixed_twin_gives_no_finding(tmp_path: Path) -> None:
    """With the owner and the seats checked, the same probes find nothing."""
    studio = Studio(flawed=False)
    report = _scan(studio, tmp_path, "--checks", CHECKS)
    assert not _found(report) & PLANTED
    destructive = [
        s for s in report["skipped"] if s["check"] == "bola" and "DELETE" in s["operation"]
    ]
    assert not destructive, destructive  # the cancel was tried on a booking the scan made
    _left_as_found(studio, report)


@pytest.mark.parametrize("mode", [(), ("--safe",)], ids=["default", "safe"])
def test_a_full_scan_cancels_every_booking_it_made(tmp_path: Path, mode: tuple[str, ...]) -> None:
    """Every check, by default and under --safe: no booking, balance or workshop left changed."""
    studio = Studio(flawed=True)
    report = _scan(studio, tmp_path, *mode)
    if mode:
        assert not studio.booked  # --safe adds nothing under an object the scan did not make
        assert studio.bookings == BOOKINGS
        assert studio.balances == BALANCES
    else:
        _left_as_found(studio, report)
