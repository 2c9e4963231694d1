"""Vulnerability records in the OSV format (https://ossf.github.io/osv-schema/), and matching.

pip-audit was considered first: its OSV service hands the version matching to the OSV
API and has no way to read records from disk, so the offline mode would have needed
this matcher anyway. Here ``ECOSYSTEM`` and ``SEMVER`` ranges (``introduced``,
``fixed``, ``last_affected``, ``limit`` events) and explicit ``versions`` lists are
compared with ``packaging.version``, which orders PyPI versions as pip does. Records
with no severity label are scored from their CVSS v3/v4 vectors with the ``cvss``
package (Red Hat's reference calculator) rather than a hand-written formula.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cvss import CVSS3, CVSS4, CVSSError  # type: ignore[import-untyped]
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from apiward.core.errors import ConfigError
from apiward.core.findings import Severity

_SEVERITY = {
    "low": Severity.LOW,
    "moderate": Severity.MEDIUM,
    "medium": Severity.MEDIUM,
    "high": Severity.HIGH,
    "critical": Severity.CRITICAL,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Affected:
    """The versions of one package an advisory applies to."""

    name: str
    ranges: tuple[tuple[tuple[str, str], ...], ...]
    """Each ECOSYSTEM/SEMVER range as its ``(event, version)`` pairs, in order."""
    versions: frozenset[str]

    def covers(self, version: str) -> bool:
        """Whether ``version`` is listed or falls in one of the ranges."""
        if version in self.versions:
            return True
        try:
            parsed = Version(version)
        except InvalidVersion:
            return False
        return any(_in_range(parsed, events) for events in self.ranges)

    @property
    def fixed(self) -> tuple[str, ...]:
        """Every version a range says the flaw was fixed in."""
        return tuple(v for events in self.ranges for kind, v in events if kind == "fixed")


@dataclass(frozen=True, slots=True, kw_only=True)
class Advisory:
    """One OSV record, reduced to what a dependency audit reports."""

    id: str
    aliases: tuple[str, ...]
    summary: str
    severity: Severity
    cwes: tuple[str, ...]
    affected: tuple[Affected, ...]

    def affecting(self, name: str, version: str) -> Affected | None:
        """The entry for this PyPI package when it covers ``version``."""
        key = canonicalize_name(name)
        return next((a for a in self.affected if a.name == key and a.covers(version)), None)


def _in_range(version: Version, events: Sequence[tuple[str, str]]) -> bool:
    """OSV's rule: affected from an ``introduced`` until the next ``fixed``/``limit`` (excluded)
    or ``last_affected`` (included)."""
    affected = False
    for kind, raw in events:
        bound = Version("0") if raw == "0" else _version(raw)
        if bound is None:
            continue
        if kind == "introduced" and version >= bound:
            affected = True
        elif (kind in {"fixed", "limit"} and version >= bound) or (
            kind == "last_affected" and version > bound
        ):
            affected = False
    return affected


def _version(raw: str) -> Version | None:
    try:
        return Version(raw)
    except InvalidVersion:
        return None


def load_advisories(path: str | Path) -> list[Advisory]:
    """OSV records from a JSON file (one record or a list) or a folder of ``*.json`` files."""
    root = Path(path)
    if root.is_dir():
        return [a for file in sorted(root.rglob("*.json")) for a in _file(file)]
    if not root.is_file():
        raise ConfigError("no such vulnerability file or folder", source=str(path))
    return _file(root)


def _file(file: Path) -> list[Advisory]:
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise ConfigError(f"cannot read: {error.strerror}", source=str(file)) from None
    except (ValueError, RecursionError) as error:  # bad JSON, not UTF-8, huge integers, nesting
        line = getattr(error, "lineno", None)
        what = str(error).split(";")[0] if str(error) else "nests too deeply"
        raise ConfigError(f"invalid JSON: {what}", source=str(file), line=line) from None
    if isinstance(data, dict) and isinstance(data.get("vulns"), list):
        data, base = data["vulns"], "/vulns"  # an OSV API answer saved as is
    else:
        base = ""
    records = data if isinstance(data, list) else [data]
    prefix = base if isinstance(data, list) else ""
    return [
        parse_record(
            record, source=str(file), pointer=f"{prefix}/{i}" if isinstance(data, list) else prefix
        )
        for i, record in enumerate(records)
    ]


def parse_record(record: Any, *, source: str, pointer: str = "") -> Advisory:
    """One OSV record; anything malformed is a ConfigError with its JSON pointer."""
    record = _expect(record, dict, source, pointer or "/", "an OSV record (object)")
    ident = _expect(record.get("id"), str, source, f"{pointer}/id", "a string id")
    affected = _expect(record.get("affected", []), list, source, f"{pointer}/affected", "a list")
    return Advisory(
        id=ident,
        aliases=tuple(
            str(a)
            for a in _expect(
                record.get("aliases", []), list, source, f"{pointer}/aliases", "a list"
            )
        ),
        summary=str(record.get("summary") or record.get("details", "")).strip().split("\n")[0],
        severity=_severity(record),
        cwes=tuple(
            str(c) for c in (record.get("database_specific") or {}).get("cwe_ids", []) or []
        ),
        affected=tuple(
            _affected(entry, source, f"{pointer}/affected/{i}")
            for i, entry in enumerate(affected)
            if _pypi(entry)
        ),
    )


def _pypi(entry: Any) -> bool:
    package = entry.get("package") if isinstance(entry, dict) else None
    return isinstance(package, dict) and str(package.get("ecosystem", "")).lower() == "pypi"


def _affected(entry: Mapping[str, Any], source: str, pointer: str) -> Affected:
    name = _expect(entry["package"].get("name"), str, source, f"{pointer}/package/name", "a string")
    ranges = _expect(entry.get("ranges", []), list, source, f"{pointer}/ranges", "a list")
    versions = _expect(entry.get("versions", []), list, source, f"{pointer}/versions", "a list")
    return Affected(
        name=canonicalize_name(name),
        ranges=tuple(
            _events(r, source, f"{pointer}/ranges/{i}")
            for i, r in enumerate(ranges)
            if isinstance(r, dict) and r.get("type") in {"ECOSYSTEM", "SEMVER"}
        ),
        versions=frozenset(str(v) for v in versions),
    )


def _events(entry: Mapping[str, Any], source: str, pointer: str) -> tuple[tuple[str, str], ...]:
    events = _expect(entry.get("events"), list, source, f"{pointer}/events", "a list of events")
    pairs = []
    for i, event in enumerate(events):
        event = _expect(event, dict, source, f"{pointer}/events/{i}", "an event object")
        kinds = [k for k in ("introduced", "fixed", "last_affected", "limit") if k in event]
        if len(kinds) != 1 or not isinstance(event[kinds[0]], str):
            raise ConfigError(
                "an event needs exactly one of introduced, fixed, last_affected, limit (a string)",
                source=source,
                pointer=f"{pointer}/events/{i}",
            )
        pairs.append((kinds[0], event[kinds[0]]))
    return tuple(pairs)


def _severity(record: Mapping[str, Any]) -> Severity:
    """The database's label (GitHub's LOW/MODERATE/HIGH/CRITICAL), else the CVSS base score, else medium."""
    labels = [(record.get("database_specific") or {}).get("severity")]
    labels += [
        (entry.get("ecosystem_specific") or {}).get("severity")
        for entry in record.get("affected", []) or []
        if isinstance(entry, dict)
    ]
    labelled = (
        _SEVERITY[str(label).lower()] for label in labels if str(label).lower() in _SEVERITY
    )
    return next(labelled, None) or _cvss_severity(record) or Severity.MEDIUM


_CVSS = {"CVSS_V3": CVSS3, "CVSS_V4": CVSS4}


def _cvss_severity(record: Mapping[str, Any]) -> Severity | None:
    """The highest severity of the record's CVSS v3/v4 vectors (the ``cvss`` package scores them).

    Malformed vectors are skipped: one bad entry should not stop a dependency audit.
    """
    scores = []
    for entry in record.get("severity", []) or []:
        kind = _CVSS.get(str(entry.get("type"))) if isinstance(entry, dict) else None
        if kind is None or not isinstance(entry.get("score"), str):
            continue
        try:
            scores.append(float(kind(entry["score"]).base_score))
        except CVSSError:
            continue
    return score_severity(max(scores)) if scores else None


def score_severity(score: float) -> Severity:
    """A CVSS base score's severity: 9 and up critical, 7 high, 4 medium, below that low."""
    if score >= 9:
        return Severity.CRITICAL
    if score >= 7:
        return Severity.HIGH
    return Severity.MEDIUM if score >= 4 else Severity.LOW


def _expect(value: Any, kind: type, source: str, pointer: str, what: str) -> Any:
    if not isinstance(value, kind):
        raise ConfigError(
            f"expected {what}, got {type(value).__name__}", source=source, pointer=pointer
        )
    return value


def matches(
    advisories: Sequence[Advisory], name: str, version: str
) -> Iterator[tuple[Advisory, Affected]]:
    """Each advisory that applies to ``name`` at ``version``, with the entry that matched."""
    for advisory in advisories:
        if (hit := advisory.affecting(name, version)) is not None:
            yield advisory, hit
