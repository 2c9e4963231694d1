"""A CycloneDX 1.6 JSON SBOM of the audited packages and the vulnerabilities found in them.

Built with cyclonedx-python-lib (the CycloneDX project's own library) and checked
against the CycloneDX JSON schema it ships before it is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from cyclonedx.contrib.license.factories import LicenseFactory
from cyclonedx.model.bom import Bom
from cyclonedx.model.component import Component, ComponentType
from cyclonedx.model.vulnerability import (
    BomTarget,
    Vulnerability,
    VulnerabilityRating,
    VulnerabilityReference,
    VulnerabilitySeverity,
    VulnerabilitySource,
)
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from packageurl import PackageURL

from apiward.audit.deps.matching import Match
from apiward.audit.deps.packages import Package
from apiward.core.files import write_atomic

OSV = VulnerabilitySource(name="OSV")


def sbom_json(packages: Sequence[Package], found: Sequence[Match]) -> str:
    """The SBOM as CycloneDX 1.6 JSON text, validated against the schema."""
    bom = Bom()
    components = {package.purl: _component(package) for package in packages}
    for component in components.values():
        bom.components.add(component)
    for match in found:
        bom.vulnerabilities.add(_vulnerability(match, components[match.package.purl]))
    text = JsonV1Dot6(bom).output_as_string(indent=2)
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(text)
    if error is not None:  # a bug in apiward, not bad input: say what the schema said
        raise RuntimeError(f"generated SBOM is not valid CycloneDX 1.6: {error}")
    return text


def write_sbom(path: str | Path, packages: Sequence[Package], found: Sequence[Match]) -> None:
    """Write the SBOM to ``path``; an unwritable path is a ConfigError."""
    write_atomic(path, sbom_json(packages, found), what="the SBOM")


def _component(package: Package) -> Component:
    licenses = LicenseFactory()
    return Component(
        type=ComponentType.LIBRARY,
        name=package.name,
        version=package.version,
        bom_ref=package.purl,
        purl=PackageURL(type="pypi", name=package.key, version=package.version),
        licenses=[licenses.make_from_string(text) for text in package.licenses],
    )


def _vulnerability(match: Match, component: Component) -> Vulnerability:
    advisory = match.advisory
    return Vulnerability(
        bom_ref=f"{advisory.id}/{match.package.purl}",
        id=advisory.id,
        source=OSV,
        references=[VulnerabilityReference(id=alias, source=OSV) for alias in advisory.aliases],
        ratings=[
            VulnerabilityRating(source=OSV, severity=VulnerabilitySeverity(advisory.severity.value))
        ],
        cwes=[
            int(c.removeprefix("CWE-")) for c in advisory.cwes if c.removeprefix("CWE-").isdigit()
        ],
        description=advisory.summary or None,
        recommendation=f"Upgrade to {match.upgrade_to}" if match.upgrade_to else None,
        affects=[BomTarget(ref=component.bom_ref.value or match.package.purl)],
    )
