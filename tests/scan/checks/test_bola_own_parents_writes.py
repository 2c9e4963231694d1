"""A write or DELETE refused under the owner's parents goes again under the attacker's own.

The Nest trial's venue update and promo-code delete checked that the caller manages the
path's organisation, then took the child by its id alone: Blue Note's manager changes
Acme's venue through ``/orgs/{blue}/venues/{acme's venue}``. Reads fell back to the
attacker's own parents; writes and DELETEs were tried under the owner's only, refused
there with 403, and the flaws were missed. ``boxoffice_app``'s flawed twin makes this
mistake on its venue PATCH and DELETE (its venue GET is scoped: a read shows no other
venue under that id there); the fixed twin looks the venue up in the path's organisation.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from boxoffice_app import IDENTITIES, VENUES, Boxoffice
from tests.conftest import scan_with_identities

from serving import serving


def _scan(tmp_path: Path, *, flawed: bool) -> tuple[Boxoffice, dict[str, Any]]:
    app = Boxoffice(flawed=flawed)
    with serving(app) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola")
    assert done.returncode == 0, done.stderr
    return app, report


def _bola(report: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for f in report["findings"]:
        if f["check"] == "bola" and f["severity"] in {"medium", "high", "critical"}:
            found.setdefault(f["operation"], []).append(f["title"])
    return found


def test_the_update_and_delete_under_ones_own_organisation_are_found(tmp_path: Path) -> None:
    """sam changes and deletes nora's venue under South's path (or nora sam's): high."""
    _app, report = _scan(tmp_path, flawed=True)
    found = _bola(report)
    assert any("changes" in t for t in found.get(f"PATCH {VENUES}", [])), found
    assert any("deletes" in t for t in found.get(f"DELETE {VENUES}", [])), found
    detail = next(f["detail"] for f in report["findings"] if f["operation"] == f"PATCH {VENUES}")
    assert "under the attacker's own" in detail, detail


def test_the_fixed_twin_gives_no_finding_and_keeps_its_venues(tmp_path: Path) -> None:
    """Venues looked up in the path's organisation: no finding, the seeded venues as they were."""
    app, report = _scan(tmp_path, flawed=False)
    assert _bola(report) == {}, _bola(report)
    assert (app.venues, app.events) == app.seeded


def test_the_flawed_twin_is_left_as_it_was(tmp_path: Path) -> None:
    """What the attacks changed or deleted was the scan's own: the seeded venues stay."""
    app, _ = _scan(tmp_path, flawed=True)
    assert (app.venues, app.events) == app.seeded
