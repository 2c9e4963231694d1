"""Colleagues of one company, named by its slug, share a pool whose records name no company.

The Litestar trial's recruiters rita and rob both work for acme: ``GET /me`` says
``company: "acme"`` (the key of ``/companies/{slug}``, no ``company_id``), and a candidate
holds no company at all. "Any recruiter of the owning company" may read, edit and delete
a candidate; the scan had called rob doing so to rita's candidates high, 17 times over the
pipeline, and rob archiving one (a one-way action, "Recruiters only.") high too. The tenant
is now also a field named by a collection's noun whose item path takes its value, and an
object that holds no such field is the tenant's when the contract gives the operation, or
the read of the item it acts on, to the tenant (``checks._tenants``). gina, of globex,
editing acme's candidate stays high.

The trial's ``POST /me/tokens`` answer (the caller's own new token) was critical: its
``GET /me`` with the token showed another ``last_login_at`` than the caller's own read, and
that was taken for another person (``checks._handed``).
"""

from pathlib import Path
from typing import Any

from talentpool_app import CANDIDATE, IDENTITIES, TalentPool, seeded
from tests.conftest import scan_with_identities

from serving import serving

CHECKS = "bola,excessive_data"


def _scan(tmp_path: Path, *, flawed: bool) -> tuple[TalentPool, dict[str, Any]]:
    app = TalentPool(flawed=flawed)
    with serving(app) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", CHECKS)
    assert done.returncode == 0, done.stderr
    return app, report


def _serious(report: dict[str, Any]) -> dict[tuple[str, str], list[str]]:
    found: dict[tuple[str, str], list[str]] = {}
    for f in report["findings"]:
        if f["severity"] in {"medium", "high", "critical"}:
            found.setdefault((f["check"], f["operation"]), []).append(f["title"])
    return found


def test_another_companys_recruiter_is_high_and_colleagues_are_not(tmp_path: Path) -> None:
    """gina changes acme's candidate: high. No colleague's read, write or archive is medium+."""
    app, report = _scan(tmp_path, flawed=True)
    found = _serious(report)
    assert list(found) == [("bola", f"PATCH {CANDIDATE}")], found
    assert all("gina" in t for t in found[("bola", f"PATCH {CANDIDATE}")]), found
    lows = [f for f in report["findings"] if f["check"] == "bola" and f["severity"] == "low"]
    assert any("acme" in f["detail"] and "one tenant" in f["detail"] for f in lows), lows
    assert app.candidates == seeded()


def test_the_fixed_pool_gives_nothing_of_medium_or_above(tmp_path: Path) -> None:
    """Candidates scoped to the company everywhere; the caller's own new token is its own."""
    app, report = _scan(tmp_path, flawed=False)
    assert _serious(report) == {}, _serious(report)
    assert app.candidates == seeded()
