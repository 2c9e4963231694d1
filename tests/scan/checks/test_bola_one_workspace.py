"""Peers of one workspace: a private object of the owner's, in the workspace both belong to.

The Fastify trial's helpdesk let any member edit another member's private saved view. Any
user may open a workspace there, so the scan opened one per identity and made each one's
objects in its own: carol's write on bob's view named bob's workspace (refused: she is no
member) or her own (no such view there), and the flaw was found at no run. The attack now
also goes to a private object of the owner's under a parent the attacker lists itself:
bob's seeded view in Acme, which carol never saw listed (``savedviews_app``).
"""

from pathlib import Path
from typing import Any

from savedviews_app import IDENTITIES, VIEW, Helpdesk, seeded
from tests.conftest import scan_with_identities

from serving import serving


def _scan(tmp_path: Path, *extra: str, flawed: bool) -> tuple[Helpdesk, dict[str, Any]]:
    app = Helpdesk(flawed=flawed)
    with serving(app) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, *extra)
    assert done.returncode == 0, done.stderr
    return app, report


def _serious(report: dict[str, Any]) -> set[tuple[str, str]]:
    high = {"medium", "high", "critical"}
    return {(f["check"], f["operation"]) for f in report["findings"] if f["severity"] in high}


def test_a_member_changing_anothers_view_in_their_workspace_is_found(tmp_path: Path) -> None:
    """carol (or bob) renames the other's view under Acme: high, and the view is put back."""
    app, report = _scan(tmp_path, "--checks", "bola", flawed=True)
    assert _serious(report) == {("bola", f"PATCH {VIEW}")}, _serious(report)
    finding = next(f for f in report["findings"] if f["check"] == "bola")
    assert "/workspaces/acme/views/" in str(finding["evidence"]), finding["evidence"]
    assert app.views == seeded()[1]


def test_the_fixed_twin_gives_nothing_and_every_scan_leaves_acme_as_found(tmp_path: Path) -> None:
    """Views checked for their creator: no finding of medium or above; Acme's views unchanged."""
    app, report = _scan(tmp_path, flawed=False)
    assert _serious(report) == set(), _serious(report)
    assert (app.workspaces, app.views) == seeded()
