"""The zoo's ground truths name operations of the apps' own contracts, in every app."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
import yaml
from zoo_apps import APPS, ZooApp, ground_truth

METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


def operations(app: ZooApp) -> set[str]:
    """``METHOD /path`` of every operation the app's contract declares."""
    if app.spec.startswith("/"):
        with app.running(secure=False) as url:
            contract = yaml.safe_load(httpx.get(app.spec_location(url)).text)
    else:
        contract = yaml.safe_load(Path(app.spec_location("")).read_text(encoding="utf-8"))
    return {
        f"{method.upper()} {path}"
        for path, item in contract["paths"].items()
        for method in item
        if method in METHODS
    }


def test_the_zoo_has_four_frameworks() -> None:
    """Four apps, each in a different framework."""
    assert len({app.framework for app in APPS}) == len(APPS) >= 4


@pytest.mark.parametrize("app", APPS, ids=lambda app: app.name)
def test_every_flaw_names_operations_of_the_contract(app: ZooApp) -> None:
    """Each planted flaw's operations are in the contract, with an OWASP 2023 id and CWEs."""
    declared = operations(app)
    for flaw in ground_truth(app):
        assert set(flaw.operations) <= declared, f"{flaw.id}: {set(flaw.operations) - declared}"
        assert re.fullmatch(r"API(10|[1-9]):2023", flaw.owasp), flaw.id
        assert all(re.fullmatch(r"CWE-\d+", cwe) for cwe in flaw.cwe), flaw.id
