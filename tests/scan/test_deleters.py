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

import json
from pathlib import Path
from typing import Any

from boxoffice_app import EVENTS, IDENTITIES, Boxoffice
from tests.conftest import scan_with_identities

from apiward.scan._deleters import deleter
from apiward.scan.request import Request
from apiward.spec import Api, load
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


def _api(tmp_path: Path, document: dict[str, Any]) -> Api:
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(document))
    return load(path)


def test_a_booking_under_a_work_order_is_not_the_catalogues_part(tmp_path: Path) -> None:
    """``DELETE /parts/{sku}`` names no work order: it deletes no booking made under one.

    The Koa trial's bookings (``POST /work-orders/{workOrderId}/parts``, "takes them out of
    stock") were taken for catalogue parts, so they went out on seeded work orders, though
    nothing deletes them, and 13 units of seeded stock were gone for good.
    """
    api = _api(
        tmp_path,
        {
            "openapi": "3.0.3",
            "info": {"title": "field service", "version": "1"},
            "paths": {
                "/work-orders/{workOrderId}/parts": {
                    "post": {
                        "summary": "Book parts on the work order",
                        "parameters": [
                            {
                                "name": "workOrderId",
                                "in": "path",
                                "required": True,
                                "schema": {"type": "string"},
                            }
                        ],
                        "responses": {"201": {"description": "Booked"}},
                    }
                },
                "/parts/{sku}": {
                    "delete": {
                        "summary": "Remove a part",
                        "parameters": [
                            {
                                "name": "sku",
                                "in": "path",
                                "required": True,
                                "schema": {"type": "string"},
                            }
                        ],
                        "responses": {"204": {"description": "Removed"}},
                    }
                },
            },
        },
    )
    booking = Request(
        method="POST",
        path="/work-orders/{workOrderId}/parts",
        operation="POST /work-orders/{workOrderId}/parts",
        path_params={"workOrderId": "k3x9q2"},
        body={"partSku": "BLT-M8", "quantity": 1},
    )
    assert deleter(api, booking, "pu7", answer={"id": "pu7", "sku": "BLT-M8"}) is None
