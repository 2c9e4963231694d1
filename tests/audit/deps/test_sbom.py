"""The CycloneDX SBOM: valid 1.6 JSON with every package's purl and the vulnerabilities found."""

from __future__ import annotations

import importlib.metadata
import json
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

from apiward.audit.deps import audit_deps, load_advisories, read_packages
from apiward.audit.deps.sbom import sbom_json

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parents[3]


def test_sbom_lists_components_and_vulnerabilities() -> None:
    """Every audited package is a component with its purl; each match is a vulnerability on it."""
    packages = read_packages(DATA / "requirements.txt")
    result = audit_deps(packages, load_advisories(DATA / "osv.json"))
    bom = json.loads(sbom_json(result.packages, result.matches))
    assert bom["bomFormat"] == "CycloneDX"
    assert bom["specVersion"] == "1.6"
    purls = {c["purl"] for c in bom["components"]}
    assert "pkg:pypi/jinja2@3.1.2" in purls
    assert len(purls) == len(packages)
    jinja = next(v for v in bom["vulnerabilities"] if v["id"] == "GHSA-h5c8-rqwp-cp95")
    assert jinja["affects"] == [{"ref": "pkg:pypi/jinja2@3.1.2"}]
    assert jinja["references"][0]["id"] == "CVE-2024-22195"
    assert jinja["ratings"][0]["severity"] == "medium"
    assert jinja["cwes"] == [79]


def test_the_schema_check_of_the_sbom_is_a_declared_dependency() -> None:
    """apiward asks for cyclonedx-python-lib's json-validation extra, and all of it is installed.

    Without the extra, ``audit deps --sbom`` (the README's own command) ended in a traceback
    on a fresh install: ``MissingOptionalDependencyException``.
    """
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [Requirement(r) for r in project["dependencies"]]
    cyclonedx = next(r for r in wanted if r.name == "cyclonedx-python-lib")
    assert "json-validation" in cyclonedx.extras
    for text in importlib.metadata.requires("cyclonedx-python-lib") or []:
        needed = Requirement(text)
        if needed.marker is not None and needed.marker.evaluate({"extra": "json-validation"}):
            assert importlib.metadata.version(needed.name), needed.name
