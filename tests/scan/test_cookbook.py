"""A role the contract names may call what it names it for; a POST on ``/recipes/import`` adds a recipe.

Two things the Ninja trial's scan got wrong on ``cookbook_app``'s shape: it called an
editor featuring a recipe ("Editors and admins only.") a function-level flaw, and it took
``POST /recipes/import`` for a creation nothing could delete (its recipe is under
``{"recipe": ...}`` and goes by ``DELETE /recipes/{slug}``), so no input check tried its
URL. Now the import is tried (its fetch found on the flawed twin) and every recipe it made
is deleted, the flawed twin's member featuring a recipe is found, and no finding calls the
editor doing it a flaw (``_privilege.granted``, tested on its own in
``checks/test_bfla_marking.py``).
"""

from __future__ import annotations

from typing import Any

import pytest
from cookbook_app import IDENTITIES, Cookbook
from tests.conftest import scan_with_identities

from serving import serving

MEDIUM_UP = {"medium", "high", "critical"}
Scanned = tuple[Cookbook, dict[str, Any]]


@pytest.fixture(scope="module", params=[True, False], ids=["flawed", "fixed"])
def scanned(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    """One default scan of the flawed or the fixed cookbook with bfla, ssrf and bola."""
    book = Cookbook(flawed=request.param)
    folder = tmp_path_factory.mktemp("cookbook")
    with serving(book.app()) as url:
        result, report = scan_with_identities(url, IDENTITIES, folder, "--checks", "bfla,ssrf,bola")
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    return book, report


def _serious(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["severity"] in MEDIUM_UP]


def test_the_editor_is_no_flaw_and_the_member_is(scanned: Scanned) -> None:
    """No finding has eddie (editor) feature a recipe; the flawed twin's member doing it is bfla."""
    book, report = scanned
    feature = [f for f in _serious(report) if f["operation"] == "POST /recipes/{slug}/feature"]
    assert not [f for f in feature if "eddie" in f["title"]], feature
    if book.flawed:
        assert [f for f in feature if f["check"] == "bfla"], _serious(report)
    else:
        assert _serious(report) == [], _serious(report)


def test_the_import_is_tried_and_its_recipes_deleted(scanned: Scanned) -> None:
    """The import's URL reaches ssrf (found on the flawed twin); every recipe it made is gone."""
    book, report = scanned
    skipped = [s for s in report["skipped"] if s["operation"] == "POST /recipes/import"]
    assert not [s for s in skipped if "nothing can delete" in s["reason"]], skipped
    if book.flawed:
        assert [f for f in _serious(report) if f["check"] == "ssrf"], _serious(report)
    assert book.changed() == [], report["tables"]["target_state"]
