"""Creations under a parent go under a parent the scan made, never under a seeded one.

A full scan through the real CLI of a recipes API (``reviews_app``) whose
``POST /recipes/{slug}/reviews`` adds a review nothing in the contract can remove. The
scan can make recipes of its own (``POST /recipes``): every review it posts, its
legitimate one and its probes alike, must go under one of those, by default and under
``--safe`` ("never a POST with an id in its path on an object the scan did not create").
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from reviews_app import IDENTITIES, SEED, Recipes, running
from tests.conftest import run_apiward

CHECKS = "sql_injection,template_injection"


def _scan(recipes: Recipes, tmp_path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    identities = tmp_path / "identities.yaml"
    identities.write_text(IDENTITIES)
    out = tmp_path / "out.json"
    with running(recipes) as url:
        command = ["scan", "--spec", f"{url}/openapi.json", "--target", url, "--allow-private"]
        command += ["--identities", str(identities), "--json", str(out), *extra]
        done = run_apiward(*command, timeout=280)  # the real CLI, as a user runs it
    assert out.exists(), done.stderr[-2000:]
    return done.returncode, json.loads(out.read_text())


@pytest.mark.parametrize("mode", [(), ("--safe",)], ids=["default", "safe"])
def test_reviews_go_under_a_recipe_the_scan_made(tmp_path: Path, mode: tuple[str, ...]) -> None:
    """The review probes are sent, all under the scan's recipes; seeded ones get none."""
    recipes = Recipes()
    code, report = _scan(recipes, tmp_path, "--checks", CHECKS, *mode)
    assert recipes.seeded_reviews() == {}
    assert code in {0, 1}, report["notes"]
    assert recipes.posted, "no review was posted: the oracle above could not fail"
    assert not set(recipes.posted) & set(SEED), recipes.posted


def test_reviews_left_under_deleted_recipes_say_their_parent_is_gone(tmp_path: Path) -> None:
    """No DELETE removes a review, but the recipes they went under were the scan's, and deleted."""
    recipes = Recipes()
    _, report = _scan(recipes, tmp_path, "--checks", CHECKS)
    rows = [r for r in report["tables"]["target_state"] if "reviews" in r["object"]]
    assert rows, report["tables"]["target_state"]
    assert all(r["state"] == "left" for r in rows)
    assert all("its parent, which the scan made, was deleted" in r["detail"] for r in rows)
