"""An agents-only action on a ticket, under the org every member shares, is tested for BFLA.

The Fastify trial's helpdesk (``tests/scan/helpdesk_app.py``): ``POST
/orgs/{orgId}/tickets/{ticketId}/assign`` ("agents only") let a customer assign its own
ticket, and every scan mode missed it. The org, known to its users only from ``GET /me``,
was "another's object", then "a parent others share", so no identity's action went out; and
a customer's own request named itself as the assignee, which no API takes. Now the action
goes to a ticket the scan makes in the caller's org (and deletes), the customer sends the
agent's body, and only the flawed build is reported. Either build is left as found.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpdesk_app import IDENTITIES, Helpdesk
from tests.conftest import scan_with_identities

from serving import serving

ASSIGN = "POST /orgs/{orgId}/tickets/{ticketId}/assign"


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_a_customer_assigning_tickets_is_reported(flawed: bool, tmp_path: Path) -> None:
    """The flawed build's assign is a BFLA naming the customer; the fixed one has none."""
    desk = Helpdesk(flawed=flawed)
    with serving(desk.app()) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path)
    assert result.returncode in {0, 1}, result.stdout[-3000:]
    found = [f for f in report["findings"] if f["check"] == "bfla" and f["operation"] == ASSIGN]
    if flawed:
        assert found, [s for s in report["skipped"] if s["operation"] == ASSIGN]
        assert found[0]["severity"] in {"medium", "high"}, found[0]
        assert "customer" in found[0]["title"], found[0]["title"]
    else:
        assert found == [], found
        assert "dave" in desk.assigned_by  # the agent's own assign went out, on a spare
    assert desk.changed() == [], desk.changed()
