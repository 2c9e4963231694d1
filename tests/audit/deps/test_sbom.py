"""The CycloneDX SBOM: valid 1.6 JSON with every package's purl and the vulnerabilities found."""

from __future__ import annotations

import json
from pathlib import Path

from apiward.audit.deps import audit_deps, load_advisories, read_packages
from apiward.audit.deps.sbom import sbom_json

DATA = Path(__file__).parent / "data"


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
