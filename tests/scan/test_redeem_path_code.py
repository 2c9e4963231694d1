"""A promo code named in the path is redeemed by the scan's own user, never by the file's.

The Fastify trial's ``POST /promos/{code}/redeem`` paid a code's credit again at every
call, yet the scan never sent it: a code every identity and an anonymous request list
(``GET /promos``) named "a parent others share", and an action under one was withheld
for everyone. The redemption's effect is the caller's own credit, so the user the scan
signed up itself redeems (``reel_app``, Falcon): the flawed club is reported, the fixed
one is not, and in both the file's members keep their credit and the codes stay as they
were. Where the list counts each code's uses for everybody (``uses_left``), a
redemption would take one from every member: it stays unsent.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from reel_app import MEMBERS, Club
from tests.conftest import scan_with_identities

from serving import serving

REDEEM = "POST /promos/{code}/redeem"
IDENTITIES = "identities:\n" + "".join(
    f"  - name: {name}\n    role: member\n    login: {{operation: POST /login, "
    f"json: {{username: {name}, password: {password}}}, token: token}}\n"
    for name, password in MEMBERS.items()
)


def _scan(club: Club, folder: Path, *mode: str) -> dict[str, Any]:
    with serving(club.app(), wsgi=True) as url:
        result, report = scan_with_identities(url, IDENTITIES, folder, *mode)
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    return report


Scanned = tuple[Club, dict[str, Any], list[dict[str, Any]]]
"""A club after a default scan, its report, and its promo codes as they were before."""


def _scanned(build: str, tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    club = Club(build)
    before = copy.deepcopy(club.promos)
    return club, _scan(club, tmp_path_factory.mktemp(build)), before


@pytest.fixture(scope="module")
def flawed(tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    """The club that pays a code again at every redemption, scanned."""
    return _scanned("flawed", tmp_path_factory)


@pytest.fixture(scope="module")
def fixed(tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    """The club that pays a code once per member, scanned."""
    return _scanned("fixed", tmp_path_factory)


@pytest.fixture(scope="module")
def counted(tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    """The club whose codes have a few uses for everybody, scanned."""
    return _scanned("counted", tmp_path_factory)


def _flows(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["check"] == "business_flows"]


@pytest.mark.parametrize("build", ["flawed", "fixed", "counted"])
def test_the_files_members_never_redeem(build: str, request: pytest.FixtureRequest) -> None:
    """Ana and Ben keep their credit, and the codes stay as they were: only the scan's user redeems."""
    club, _, before = request.getfixturevalue(build)
    assert {m: club.credit[m] for m in MEMBERS} == dict.fromkeys(MEMBERS, 0)
    assert not {who for who, _ in club.redemptions} & set(MEMBERS), club.redemptions
    assert club.promos == before


def test_repeated_redemption_is_found_as_the_scans_own_user(flawed: Scanned) -> None:
    """The flawed club pays five times to the scan's own user, and is reported high."""
    club, report, _ = flawed
    [finding] = _flows(report)
    assert finding["operation"] == REDEEM
    assert finding["severity"] == "high"
    assert finding["title"].startswith("apiward-made-"), finding["title"]
    assert len(club.redemptions) == 5
    assert len(set(club.redemptions)) == 1


def test_a_code_redeemed_once_is_silent(fixed: Scanned) -> None:
    """The fixed club's one redemption per member: the scan's user redeems, is refused after, no finding."""
    club, report, _ = fixed
    assert _flows(report) == []
    assert len(club.redemptions) == 1
    left = [r for r in report["tables"]["target_state"] if r["object"].endswith("/redeem")]
    assert [r["by"] for r in left] == ["apiward-made-1"], left


def test_a_code_whose_uses_everybody_shares_is_not_redeemed(counted: Scanned) -> None:
    """``uses_left`` in the list: a redemption takes one from every member, so none is sent."""
    club, report, _ = counted
    assert club.redemptions == []
    assert _flows(report) == []
    [skip] = [s for s in report["skipped"] if s["operation"] is None and "redeem" in s["detail"]]
    assert skip["check"] == "business_flows"
    assert "uses_left" in skip["detail"], skip


def test_safe_never_redeems(tmp_path: Path) -> None:
    """Under --safe the check does not run, and nobody redeems."""
    club = Club("flawed")
    report = _scan(club, tmp_path, "--safe")
    assert club.redemptions == []
    assert _flows(report) == []
