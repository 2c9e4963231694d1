"""What the scan sees overrides what the contract declares: a sign-up and a catalogue a global
``security`` covers, yet open to anyone, are public.

A seed library in Flask (``seed_library_app``) serves a Swagger 2.0 contract whose one
global requirement covers joining and the catalogue too (the flawed twin), or one that
marks them ``security: []`` (the fixed twin). Either way every account a default or a
``--safe`` scan signs up is deleted by the curator's ``DELETE /staff/members/{memberId}``,
the library ends with the members it had, and the report says so; on the flawed twin a
catalogue read that answers everyone alike is the low "documented as secured, but
public" kind, while the loan anyone reads stays high.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from seed_library_app import IDENTITIES, SeedLibrary
from tests.conftest import scan_with_identities

from serving import serving

Scanned = tuple[bool, SeedLibrary, Any, dict[str, Any]]


@pytest.fixture(
    scope="module",
    params=[(False, ()), (False, ("--safe",)), (True, ()), (True, ("--safe",))],
    ids=["flawed-default", "flawed-safe", "fixed-default", "fixed-safe"],
)
def scanned(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    """One scan of a fresh library, with the contract and the mode of ``request.param``."""
    declared_public, extra = request.param
    library = SeedLibrary()
    folder = tmp_path_factory.mktemp("seeds")
    with serving(library.app(declared_public=declared_public), wsgi=True) as url:
        result, report = scan_with_identities(url, IDENTITIES, folder, *extra)
    return declared_public, library, result, report


def test_no_account_is_left(scanned: Scanned) -> None:
    """The library ends with the members it had: every sign-up of the scan is removed."""
    _, library, result, _ = scanned
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    assert json.dumps(library.members, sort_keys=True) == library.seeded


def test_the_report_says_left_as_found(scanned: Scanned) -> None:
    """Each account the scan signed up is listed as deleted, none as a creation left."""
    *_, report = scanned
    rows = report["tables"]["target_state"]
    accounts = [r for r in rows if r["what"] == "account signed up"]
    assert accounts, "the scan signed nobody up"
    assert [r for r in accounts if r["state"] != "deleted"] == []
    assert [r for r in rows if r["state"] in {"left", "not restored"}] == []
    assert any("target state: left as found" in note for note in report["notes"])


def _auth_bypass(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["operation"]: f for f in report["findings"] if f["check"] == "auth_bypass"}


def test_a_catalogue_everyone_reads_alike_is_low(scanned: Scanned) -> None:
    """A seed everyone and anonymous read alike is a low contract mismatch (flawed twin), or
    nothing at all where the contract declares the catalogue public (fixed twin)."""
    declared_public, *_, report = scanned
    seed = _auth_bypass(report).get("GET /seeds/{seedId}")
    if declared_public:
        assert seed is None
        return
    assert seed is not None
    assert seed["severity"] == "low"
    assert "documented as secured, but public" in seed["title"]


def test_a_loan_anyone_reads_stays_high(scanned: Scanned) -> None:
    """The loan a member alone lists, read without a token, is that member's data: high."""
    *_, report = scanned
    loan = _auth_bypass(report)["GET /loans/{loanId}"]
    assert loan["severity"] == "high"
    assert "data specific to that identity" in loan["detail"]
