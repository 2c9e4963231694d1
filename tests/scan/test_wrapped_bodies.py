"""Bodies wrapped under a root key (``{"booking": {"room_id": 3}}``) are scanned inside the key.

The scan reads the inner object's fields as the body's (a URL to attack, a body id to
swap, a role to add at sign-up, a password that makes a POST a sign-up), sends them
under the key the contract names, and shows that in its evidence. The flawed twin of
``bookings_app`` is found out on all three flaws behind the wrapper; the fixed twin
gives nothing of medium or above; both are left as found, accounts included.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from bookings_app import Bookings
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - name: ada
    role: admin
    login: {operation: POST /auth/login, json: {email: ada@rooms.test, password: ada-admin-pw}, token: token}
  - name: alice
    role: member
    login: {operation: POST /auth/login, json: {email: alice@rooms.test, password: alice-pw-22}, token: token}
  - name: bob
    role: member
    login: {operation: POST /auth/login, json: {email: bob@rooms.test, password: bob-pw-333}, token: token}
"""
CHECKS = "ssrf,bola,mass_assignment,bfla"
MEDIUM_UP = {"medium", "high", "critical"}

Scanned = tuple[Bookings, Any, dict[str, Any]]


@pytest.fixture(scope="module", params=[True, False], ids=["flawed", "fixed"])
def scanned(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    """One scan of the flawed or the fixed twin with the checks that see bodies."""
    app = Bookings(flawed=request.param)
    folder = tmp_path_factory.mktemp("bookings")
    with serving(app.app(), wsgi=True) as url:
        result, report = scan_with_identities(url, IDENTITIES, folder, "--checks", CHECKS)
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    return app, result, report


def _serious(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["severity"] in MEDIUM_UP]


def _found(report: dict[str, Any], check: str, operation: str) -> list[dict[str, Any]]:
    return [f for f in _serious(report) if f["check"] == check and f["operation"] == operation]


def _bodies(finding: dict[str, Any]) -> list[Any]:
    sent = [e["request"]["body"] for e in finding["evidence"] if e["request"]["body"]]
    return [json.loads(b) for b in sent if b.startswith("{")]


def test_flaws_behind_the_wrapper_are_found(scanned: Scanned) -> None:
    """SSRF in a wrapped callback_url, BOLA through a wrapped room_id, a wrapped role at sign-up."""
    app, _, report = scanned
    if not app.flawed:
        pytest.skip("the fixed twin has no flaw")
    assert _found(report, "ssrf", "POST /hooks"), _serious(report)
    assert _found(report, "bola", "POST /bookings"), _serious(report)
    assert _found(report, "mass_assignment", "POST /users"), _serious(report)


def test_evidence_shows_the_body_as_sent(scanned: Scanned) -> None:
    """The evidence holds the body under its root key, the field the check set inside it."""
    app, _, report = scanned
    if not app.flawed:
        pytest.skip("the fixed twin has no finding")
    (bola, *_) = _found(report, "bola", "POST /bookings")
    assert any(set(b) == {"booking"} and "room_id" in b["booking"] for b in _bodies(bola))
    (mass, *_) = _found(report, "mass_assignment", "POST /users")
    assert any(set(b) == {"user"} and "role" in b["user"] for b in _bodies(mass))


def test_fixed_twin_gives_nothing_serious(scanned: Scanned) -> None:
    """With the owner checked, the role ignored and no internal fetch: no medium+ finding."""
    app, _, report = scanned
    if app.flawed:
        pytest.skip("the flawed twin is meant to give findings")
    assert _serious(report) == []


def test_target_is_left_as_found(scanned: Scanned) -> None:
    """Every account signed up, booking and hook made is deleted; no seeded row changed."""
    app, _, report = scanned
    assert app.changed() == [], report["tables"]["target_state"]
    rows = [r for r in report["tables"]["target_state"] if r["what"] == "account signed up"]
    assert rows, "no sign-up was recognised behind the wrapper"
