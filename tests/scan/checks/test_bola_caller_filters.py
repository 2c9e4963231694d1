"""A staff filter that names a member by another word (``?member=M-1042``, ``?renter=tove``).

The boulder club (``club_app``, Django REST framework style on Flask) lets its desk filter
bookings by member number and rentals by handle. Neither name looks like an id, yet every
row of a member's own listing holds that member's own number (``member_no``) or handle
(``renter``): the filter takes the caller's own value, and a peer sending it lists the
owner's rows when the API honours the filter for everyone. ``?wall=`` is a property: a
member's bookings all sit on one wall, another member's on another, but a wall names
nobody, so the scan never tries it (its schedule is open to every member by design).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from club_app import IDENTITIES, Club
from ownership_support import scan_app

from apiward.core.findings import Severity
from apiward.scan import Results
from apiward.scan.checks.bola import Bola
from serving import serving


@pytest.fixture(scope="module", params=[True, False], ids=["flawed", "fixed"])
def scanned(request: pytest.FixtureRequest) -> Iterator[tuple[Club, Results]]:
    """A bola scan of a fresh club, the flawed twin or the fixed one."""
    club = Club(staff_filters_for_all=request.param)
    with serving(club.app, wsgi=True) as url:
        yield club, scan_app(url, Bola(), IDENTITIES)


def _found(results: Results) -> set[tuple[str, str]]:
    return {(f.operation, f.title) for f in results.findings if f.severity >= Severity.MEDIUM}


def test_a_person_filter_honoured_for_members_is_found_on_the_flawed_twin_only(
    scanned: tuple[Club, Results],
) -> None:
    """A member's ``?member=`` and ``?renter=`` with a peer's values list the peer's rows (high);
    the fixed twin gives a member its own rows back, or a 403: nothing."""
    club, results = scanned
    if not club.open:
        assert _found(results) == set()
        return
    assert _found(results) == {
        ("GET /api/v1/bookings/", "uli reads tove's object through query member"),
        ("GET /api/v1/rentals/", "uli reads tove's object through query renter"),
    }
    for finding in results.findings:
        attack = finding.evidence[-1]
        assert attack.request.url.endswith(("?member=M-1042", "?renter=tove"))
        assert attack.response.status == 200


def test_a_property_filter_is_never_tried_as_a_persons(scanned: tuple[Club, Results]) -> None:
    """``?wall=`` holds one value per member's rows, but no member's identifier: never sent."""
    club, results = scanned
    assert club.walls == []
    assert not [f for f in results.findings if "wall" in f.title]
