"""What a creation at the top makes is deleted under the parent its own fields name.

``POST /v1/events`` takes the organisation in its body; the event is deleted at
``DELETE /v1/orgs/{orgId}/events/{eventId}``, and its item path under ``/v1/events`` is
a public page by slug with no DELETE. The Nest trial's scan called the event undeletable
("the contract has no DELETE for what POST /v1/events makes") and never sent its
tenant-moves probe: a manager creating an event in another organisation through the
body's ``orgId`` (F8) was missed. ``scan._deleters`` finds that DELETE now: its path ends
on the collection and the id, and the new object's ``orgId`` fills the parent. The
probe's unique ``slug`` is made anew, or the control's event makes it a 409.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from boxoffice_app import EVENTS, IDENTITIES, Boxoffice
from tests.conftest import scan_with_identities

from serving import serving


def _scan(tmp_path: Path, *, flawed: bool) -> tuple[Boxoffice, dict[str, Any]]:
    app = Boxoffice(flawed=flawed)
    with serving(app) as url:
        done, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "mass_assignment"
        )
    assert done.returncode == 0, done.stderr
    return app, report


def _moved(report: dict[str, Any]) -> list[str]:
    return [
        f["title"]
        for f in report["findings"]
        if f["operation"] == f"POST {EVENTS}" and f["severity"] in {"high", "critical"}
    ]


def test_an_event_made_in_another_organisation_is_found_and_deleted(tmp_path: Path) -> None:
    """The body's orgId is honoured: high, and every event the scan made is gone again."""
    app, report = _scan(tmp_path, flawed=True)
    assert any("make an object in" in t for t in _moved(report)), report["findings"]
    assert app.events == app.seeded[1]
    left = [r for r in report["tables"]["target_state"] if r.get("state") == "left"]
    assert not left, left


def test_the_fixed_twin_refuses_it_and_keeps_its_events(tmp_path: Path) -> None:
    """An event only in the caller's own organisation: no finding, nothing left."""
    app, report = _scan(tmp_path, flawed=False)
    assert _moved(report) == [], _moved(report)
    assert app.events == app.seeded[1]
