"""JSON:API documents (``{"data": {"type", "attributes", "relationships"}}``) are scanned inside.

The scan reads a resource's attributes and relationships as the body's fields (a URL to
attack, a related plot to swap, a role to add at sign-up, a password that makes a POST a
sign-up), sends them back as a document of the contract's ``type`` under
``application/vnd.api+json``, an update naming the path's id, and reads answers' resources
the same way (ids, owners). The flawed twin of ``plots_app`` is found out on all four
flaws, which all sit behind the document's shape; the fixed twin gives nothing of medium
or above; both are left as found, accounts included.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from plots_app import Plots
from tests.conftest import scan_with_identities

from apiward.scan.jsonapi import Resource, dress, flatten
from serving import serving

IDENTITIES = """\
identities:
  - name: ada
    role: admin
    login: {operation: POST /auth/token, form: {grant_type: password, username: ada@plots.test, password: ada-admin-pw}}
  - name: alice
    role: gardener
    login: {operation: POST /auth/token, form: {grant_type: password, username: alice@plots.test, password: alice-pw-22}}
  - name: bob
    role: gardener
    login: {operation: POST /auth/token, form: {grant_type: password, username: bob@plots.test, password: bob-pw-333}}
"""
CHECKS = "ssrf,bola,mass_assignment,bfla"
MEDIUM_UP = {"medium", "high", "critical"}

Scanned = tuple[Plots, Any, dict[str, Any]]


@pytest.fixture(scope="module", params=[True, False], ids=["flawed", "fixed"])
def scanned(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    """One scan of the flawed or the fixed twin with the checks that see bodies."""
    app = Plots(flawed=request.param)
    folder = tmp_path_factory.mktemp("plots")
    with serving(app.app()) as url:
        result, report = scan_with_identities(url, IDENTITIES, folder, "--checks", CHECKS)
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    return app, result, report


def _serious(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["severity"] in MEDIUM_UP]


def _found(report: dict[str, Any], check: str, *operations: str) -> list[dict[str, Any]]:
    return [f for f in _serious(report) if f["check"] == check and f["operation"] in operations]


def _documents(finding: dict[str, Any]) -> list[dict[str, Any]]:
    sent = [e["request"] for e in finding["evidence"] if e["request"]["body"]]
    return [json.loads(r["body"]) for r in sent if r["body"].startswith("{")]


def test_flaws_behind_the_document_are_found(scanned: Scanned) -> None:
    """BOLA on a plot, BOLA through relationships.plot, a role attribute at sign-up, SSRF in a url."""
    app, _, report = scanned
    if not app.flawed:
        pytest.skip("the fixed twin has no flaw")
    assert _found(report, "bola", "GET /plots/{id}", "PATCH /plots/{id}"), _serious(report)
    assert _found(report, "bola", "POST /harvests"), _serious(report)
    assert _found(report, "mass_assignment", "POST /gardeners"), _serious(report)
    assert _found(report, "ssrf", "POST /feeds"), _serious(report)


def test_evidence_shows_the_document_as_sent(scanned: Scanned) -> None:
    """The evidence holds JSON:API documents: the type, the attributes, the relationship."""
    app, _, report = scanned
    if not app.flawed:
        pytest.skip("the fixed twin has no finding")
    (bola, *_) = _found(report, "bola", "POST /harvests")
    documents = [d["data"] for d in _documents(bola)]
    assert any(
        d["type"] == "harvests" and d["relationships"]["plot"]["data"]["type"] == "plots"
        for d in documents
    ), documents
    (mass, *_) = _found(report, "mass_assignment", "POST /gardeners")
    assert any("role" in d["data"].get("attributes", {}) for d in _documents(mass))


def test_fixed_twin_gives_nothing_serious(scanned: Scanned) -> None:
    """With the owner checked, the role ignored and no fetch: no medium+ finding."""
    app, _, report = scanned
    if app.flawed:
        pytest.skip("the flawed twin is meant to give findings")
    assert _serious(report) == []


def test_target_is_left_as_found(scanned: Scanned) -> None:
    """Every account signed up, plot, harvest and feed made is deleted; no seeded row changed."""
    app, _, report = scanned
    assert app.changed() == [], report["tables"]["target_state"]
    rows = [r for r in report["tables"]["target_state"] if r["what"] == "account signed up"]
    assert rows, "no sign-up was recognised inside the document"


RESOURCE = Resource(
    type="harvests",
    media="application/vnd.api+json",
    relationships={"plot": "plots", "tags": "tags"},
    many=frozenset({"tags"}),
)


def test_a_body_is_dressed_as_a_document() -> None:
    """Attributes, to-one and to-many relationships as identifiers with string ids."""
    dressed = dress({"crop": "kale", "plot": 2, "tags": [1]}, RESOURCE, "POST", {})
    assert dressed == {
        "data": {
            "type": "harvests",
            "attributes": {"crop": "kale"},
            "relationships": {
                "plot": {"data": {"type": "plots", "id": "2"}},
                "tags": {"data": [{"type": "tags", "id": "1"}]},
            },
        }
    }


def test_an_update_names_the_path_id_and_a_document_goes_as_given() -> None:
    """PATCH takes the path's id as ``data.id``; a body that is a document already is untouched."""
    dressed = dress({"crop": "leek"}, RESOURCE, "PATCH", {"id": "7"})
    assert dressed["data"]["id"] == "7"
    given = {"data": {"type": "harvests", "attributes": {"crop": "leek"}}}
    assert dress(given, RESOURCE, "POST", {}) is given


def test_answers_read_as_plain_objects() -> None:
    """A resource's id, attributes and related ids at the top; anything else left alone."""
    document = {
        "data": [
            {
                "type": "plots",
                "id": "2",
                "attributes": {"name": "North bed"},
                "relationships": {
                    "gardener": {"data": {"type": "gardeners", "id": "2"}},
                    "tags": {"data": [{"type": "tags", "id": "5"}]},
                    "photos": {"links": {"related": "/plots/2/photos"}},
                },
            }
        ],
        "meta": {"count": 1},
    }
    flat = flatten(document)
    assert flat["data"] == [{"id": "2", "name": "North bed", "gardener": "2", "tags": ["5"]}]
    assert flat["meta"] == {"count": 1}
    not_jsonapi = {"data": {"type": "card", "number": "4111"}}
    assert flatten(not_jsonapi) is not_jsonapi
