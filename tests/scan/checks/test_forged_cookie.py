"""forged_cookie: an identity cookie the server trusts unsigned is forged for the admin; signed or
ignored ones stay silent.

The allotment society in Falcon (``allotment_app``), scanned whole through the real CLI,
in three twins: its "stay logged in" cookie as unsigned base64 JSON naming the member
and its role (flawed, default and ``--safe``); its plain ``uid=3`` cookie trusted (the
second flaw, in another encoding, set by every login); both fixed — the stay-logged-in
cookie signed, ``uid`` set but never read.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from allotment_app import IDENTITIES, KEEP, MEMBERS, PASSWORDS, Society
from tests.conftest import scan_with_identities

from serving import serving

Scanned = tuple[str, Society, Any, dict[str, Any]]
TWINS = {
    "flawed-remember": ("json", "shown", ()),
    "flawed-remember-safe": ("json", "shown", ("--safe",)),
    "flawed-uid": ("signed", "trusted", ()),
    "fixed": ("signed", "shown", ()),
}


@pytest.fixture(scope="module", params=list(TWINS))
def scanned(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    """One whole scan of a fresh society, as the twin of ``request.param``."""
    remember, uid, extra = TWINS[request.param]
    society = Society(remember=remember, uid=uid)
    folder = tmp_path_factory.mktemp("allotments")
    with serving(society.app(), wsgi=True) as url:
        result, report = scan_with_identities(url, IDENTITIES, folder, *extra)
    return request.param, society, result, report


def _forged(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["check"] == "forged_cookie"]


def test_the_scan_ends_cleanly_and_leaves_the_society_as_found(scanned: Scanned) -> None:
    """Exit 0/1, no scan error, nothing changed, and the stay-logged-in login was asked for."""
    _, society, result, report = scanned
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    errors = [s for s in report["skipped"] if s["reason"].startswith("scan error")]
    assert errors == []
    assert any("target state: the scan changed nothing" in note for note in report["notes"])
    assert society.stayed, "no login asked to stay logged in"


def test_a_trusted_cookie_forged_for_the_admin_is_critical(scanned: Scanned) -> None:
    """The cookie forged for olga, sent alone, gets the admin's listing: critical, confirmed.
    On the fixed twin nothing: a signed cookie is never read, an ignored uid gets nowhere."""
    twin, *_, report = scanned
    if twin == "fixed":
        assert _forged(report) == []
        assert [s for s in report["skipped"] if s["check"] == "forged_cookie"] == []
        return
    [finding] = _forged(report)
    assert (finding["severity"], finding["confidence"]) == ("critical", "confirmed")
    assert (finding["operation"], finding["cwe"], finding["owasp"]) == (
        "GET /admin/members",
        "CWE-565",
        "API2:2023",
    )
    assert "forged for olga" in finding["title"]
    attack = finding["evidence"][-1]
    assert attack["response"]["status"] == 200
    assert MEMBERS["olga"]["email"] in attack["response"]["body"]
    [cookie] = [v for k, v in attack["request"]["headers"] if k == "cookie"]
    assert "sid=" not in cookie  # the forged cookie alone
    statuses = [e["response"]["status"] for e in finding["evidence"][-3:]]
    assert statuses == [401, 403, 200]  # no cookie, ann's own cookie, the forged one


def test_the_detail_says_how_the_cookie_was_forged(scanned: Scanned) -> None:
    """The detail names the encoding and the forged content: olga's name and her admin role,
    or her number in plain; the stay-logged-in login is the first evidence."""
    twin, *_, report = scanned
    if twin == "fixed":
        return  # nothing to say: see the test above
    [finding] = _forged(report)
    if twin.startswith("flawed-remember"):
        assert finding["title"].startswith(f"Unsigned cookie {KEEP} ")
        assert "set by POST /auth/login with stay_logged_in: true" in finding["detail"]
        assert "base64 of JSON holding ann's own username" in finding["detail"]
        assert '{"member": "olga", "role": "admin"}' in finding["detail"]
        assert '"stay_logged_in": true' in finding["evidence"][0]["request"]["body"]
    else:
        assert finding["title"].startswith("Unsigned cookie uid ")
        assert "ann's own id, in plain text" in finding["detail"]
        assert f"({MEMBERS['olga']['id']})" in finding["detail"]


def test_no_credential_reaches_the_report(scanned: Scanned) -> None:
    """Passwords, session ids and the real cookies' values are redacted, as everywhere."""
    _, society, _, report = scanned
    text = json.dumps(report)
    assert not [p for p in PASSWORDS.values() if p in text]
    assert not [sid for sid in society.sessions if sid in text]
    assert society.keep("ann") not in text
