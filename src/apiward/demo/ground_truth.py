"""The demo bank's ground truth: every planted flaw, as records the tests and benchmarks read."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from apiward.core.errors import ConfigError
from apiward.core.findings import Finding

CATEGORIES = frozenset({*(f"API{n}" for n in range(1, 11)), "injection"})
LOCATIONS = frozenset({"path", "query", "body", "form", "header"})
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True, slots=True, kw_only=True)
class Parameter:
    """Where an attack on a planted flaw goes."""

    name: str
    location: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PlantedFlaw:
    """One vulnerability planted in the demo bank on purpose."""

    id: str
    owasp: str
    cwe: str
    method: str
    path: str
    parameter: Parameter | None
    shows: str

    @property
    def operation(self) -> str:
        """``METHOD path``, as operations are named in identities.yaml."""
        return f"{self.method} {self.path}"


def _flaw(entry: Any, source: str) -> PlantedFlaw:
    if not isinstance(entry, dict):
        raise ConfigError("each vulnerability must be a mapping", source=source)
    try:
        raw = entry["parameter"]
        parameter = None if raw is None else Parameter(name=raw["name"], location=raw["in"])
        flaw = PlantedFlaw(
            id=entry["id"],
            owasp=entry["owasp"],
            cwe=entry["cwe"],
            method=entry["method"],
            path=entry["path"],
            parameter=parameter,
            shows=entry["shows"],
        )
    except (KeyError, TypeError) as error:
        raise ConfigError(f"vulnerability entry misses {error}", source=source) from error
    problems = [
        not _ID.match(flaw.id) and "id is not kebab-case",
        flaw.owasp not in CATEGORIES and f"unknown category {flaw.owasp!r}",
        flaw.method not in METHODS and f"unknown method {flaw.method!r}",
        not flaw.path.startswith("/") and "path must start with /",
        parameter is not None and parameter.location not in LOCATIONS and "bad parameter location",
    ]
    for problem in problems:
        if problem:
            raise ConfigError(f"{flaw.id}: {problem}", source=source)
    return flaw


def load_ground_truth(path: Path | None = None) -> tuple[PlantedFlaw, ...]:
    """The planted flaws listed in ground_truth.yaml (the bundled one by default)."""
    if path is None:
        text = resources.files("apiward.demo").joinpath("ground_truth.yaml").read_text()
        source = "apiward/demo/ground_truth.yaml"
    else:
        text, source = path.read_text(), str(path)
    document = yaml.safe_load(text)
    if not isinstance(document, dict) or not isinstance(document.get("vulnerabilities"), list):
        raise ConfigError("expected a mapping with a 'vulnerabilities' list", source=source)
    flaws = tuple(_flaw(entry, source) for entry in document["vulnerabilities"])
    seen: set[str] = set()
    for flaw in flaws:
        if flaw.id in seen:
            raise ConfigError(f"duplicate id {flaw.id!r}", source=source)
        seen.add(flaw.id)
    return flaws


def matches(finding: Finding, flaw: PlantedFlaw) -> bool:
    """Whether ``finding`` reports ``flaw``: the same operation **and** the flaw's CWE.

    The CWE names the specific weakness: a cracked HMAC secret (CWE-1391) is not an
    unverified signature (CWE-347) found on the same operation. OWASP categories are
    too coarse for that and renumber between editions.
    """
    return finding.operation == flaw.operation and finding.cwe == flaw.cwe


def missed(findings: Iterable[Finding], flaws: Iterable[PlantedFlaw]) -> list[PlantedFlaw]:
    """The planted flaws no finding reports (empty: recall 100%)."""
    found = tuple(findings)
    return [flaw for flaw in flaws if not any(matches(f, flaw) for f in found)]
