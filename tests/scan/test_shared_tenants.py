"""A workspace its members share is a container for each member's own objects, not another's object.

A full scan through the real CLI of a team-workspace API (``teamspace_app``, Starlette):
every member of a workspace gets it in its own ``GET /workspaces``, so the workspace is
seen by several identities and made by none. Each editor's and admin's writes to its
own projects under it must still be sent, so that ``bola`` finds a member of another
workspace changing a project, ``mass_assignment`` the read-only ``approved`` flag kept
and ``ssrf`` the attachment fetched from a URL. The workspace itself is left as found
(put back when its admin writes it). The contract leaves ``workspace_id`` out of the
project read: the scan fills it all the same and never sends a ``{name}`` literally
(``bola`` finds the read of another workspace's project under one's own). The fixed twin gives nothing of medium or above; every object the scan made
is gone afterwards and every seeded one is as it was.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from teamspace_app import IDENTITIES, PROJECTS, WORKSPACES, Teamspace, running
from tests.conftest import run_apiward

PROJECT = "/workspaces/{workspace_id}/projects/{project_id}"
PLANTED = {
    ("bola", f"PATCH {PROJECT}"),
    ("mass_assignment", f"PATCH {PROJECT}"),
    ("ssrf", f"POST {PROJECT}/attachments"),
}
WRITES = (
    "POST /workspaces/{workspace_id}/projects",
    f"PATCH {PROJECT}",
    f"DELETE {PROJECT}",
    f"POST {PROJECT}/attachments",
)
CHECKS = "bola,mass_assignment,ssrf"


def _scan(service: Teamspace, tmp_path: Path) -> dict[str, Any]:
    identities, out = tmp_path / "identities.yaml", tmp_path / "out.json"
    identities.write_text(IDENTITIES)
    with running(service) as url:
        command = ["scan", "--spec", f"{url}/openapi.json", "--target", url, "--allow-private"]
        done = run_apiward(
            *command, "--identities", str(identities), "--json", str(out), "--checks", CHECKS
        )
    assert done.returncode in {0, 1}, done.stderr[-2000:]
    return dict(json.loads(out.read_text()))


def _found(report: dict[str, Any]) -> set[tuple[str, str]]:
    return {(f["check"], f["operation"]) for f in report["findings"]}


def _withheld(report: dict[str, Any], operation: str) -> list[str]:
    """Skips saying a legitimate ``operation`` names another's object, whoever's it was."""
    return [
        s["detail"]
        for s in report["skipped"]
        if s["operation"] == operation and "names another's object" in s["detail"]
    ]


def _left_as_found(service: Teamspace) -> None:
    assert service.made, "the scan created nothing: the oracle below could not fail"
    assert service.workspaces == WORKSPACES
    assert service.projects == PROJECTS
    assert not service.attachments


def _filled(service: Teamspace) -> None:
    """No path reached the server with a template in it; the project read went to a workspace."""
    assert not [p for _, p in service.requests if "{" in p or "%7B" in p.upper()]
    project = re.compile(r"^/workspaces/[12]/projects/\d+$")
    assert [p for m, p in service.requests if m == "GET" and project.match(p)]


def test_members_own_writes_under_a_shared_workspace_are_tested(tmp_path: Path) -> None:
    """The planted BOLA, mass assignment and SSRF are found; no member's own write is withheld."""
    service = Teamspace(flawed=True)
    report = _scan(service, tmp_path)
    assert _found(report) >= PLANTED
    for operation in WRITES:
        assert not _withheld(report, operation), operation
    # The workspace itself may be written by its admin (main's ownership rules since this
    # test was written): it must then be put back, which _left_as_found checks.
    _filled(service)
    _left_as_found(service)


def test_a_read_of_another_workspaces_project_under_ones_own_is_found(tmp_path: Path) -> None:
    """Refused under its owner's workspace, the project is asked for under the reader's own."""
    report = _scan(Teamspace(flawed=True), tmp_path)
    assert ("bola", f"GET {PROJECT}") in _found(report)


def test_the_fixed_twin_gives_nothing_of_medium_or_above(tmp_path: Path) -> None:
    """With the path's workspace, the owner, the fields and the URL checked, nothing is found."""
    service = Teamspace(flawed=False)
    report = _scan(service, tmp_path)
    serious = [f for f in report["findings"] if f["severity"] in {"medium", "high", "critical"}]
    assert not serious, [(f["check"], f["operation"], f["title"]) for f in serious]
    for operation in WRITES:
        assert not _withheld(report, operation), operation
    assert not service.fetched
    _filled(service)
    _left_as_found(service)
