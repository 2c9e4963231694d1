"""The ground truth and identities files: complete, well-formed, and matched by the code."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from apiward.core.errors import ConfigError
from apiward.demo import IDENTITIES, create_app, load_ground_truth

DEMO = Path(__file__).resolve().parents[2] / "src" / "apiward" / "demo"
MINIMUM = {f"API{n}": 2 for n in (1, 2, 3, 4, 5, 7, 8, 9)} | {"API6": 1, "injection": 3}


def test_every_category_has_its_minimum_of_flaws() -> None:
    """At least two flaws per required category, one for API6, three injections."""
    counts = Counter(flaw.owasp for flaw in load_ground_truth())
    short = {category: counts[category] for category, n in MINIMUM.items() if counts[category] < n}
    assert short == {}


def test_injection_covers_sql_template_and_path() -> None:
    """Injection flaws are SQL (CWE-89), template (CWE-1336) and path traversal (CWE-22)."""
    cwes = {flaw.cwe for flaw in load_ground_truth() if flaw.owasp == "injection"}
    assert cwes == {"CWE-89", "CWE-1336", "CWE-22"}


def test_every_flaw_is_marked_in_the_code_and_every_mark_listed() -> None:
    """'# planted: <id>' comments and ground-truth ids are the same set."""
    marks = set()
    for module in DEMO.glob("*.py"):
        marks |= set(re.findall(r"# planted: ([a-z0-9-]+)", module.read_text()))
    assert marks == {flaw.id for flaw in load_ground_truth()}


def test_attacks_spread_across_parameter_shapes() -> None:
    """Attacks go through path, query, body, form and header parameters."""
    locations = {flaw.parameter.location for flaw in load_ground_truth() if flaw.parameter}
    assert locations == {"path", "query", "body", "form", "header"}


def test_a_malformed_ground_truth_is_a_config_error(tmp_path: Path) -> None:
    """A bad entry ends in ConfigError naming the file."""
    bad = tmp_path / "ground_truth.yaml"
    bad.write_text("vulnerabilities:\n  - id: Not_Kebab\n    owasp: API1\n")
    with pytest.raises(ConfigError, match=r"ground_truth\.yaml"):
        load_ground_truth(bad)


def test_identities_log_in_through_documented_operations() -> None:
    """alice, bob, admin and anonymous exist and log in through operations in the contract."""
    identities = yaml.safe_load(IDENTITIES.read_text())["identities"]
    assert {"alice", "bob", "admin", "anonymous"} <= {entry["name"] for entry in identities}
    paths = create_app().openapi()["paths"]
    for entry in identities:
        if "login" in entry:
            method, path = entry["login"]["operation"].split(" ")
            assert method.lower() in paths[path], entry["name"]
            assert ("json" in entry["login"]) != ("form" in entry["login"])
