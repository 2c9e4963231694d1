"""Dependency audit: pinned files and lock files read, OSV ranges matched, bad input located."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apiward.audit.deps import audit_deps, installed_packages, load_advisories, read_packages
from apiward.audit.deps.osv import parse_record
from apiward.audit.deps.packages import Package
from apiward.core.errors import ConfigError

DATA = Path(__file__).parent / "data"


def _record(events: list[dict[str, str]], versions: list[str] | None = None) -> dict[str, object]:
    return {
        "id": "GHSA-test",
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "Demo_Pkg"},
                "ranges": [{"type": "ECOSYSTEM", "events": events}],
                "versions": versions or [],
            }
        ],
    }


RANGES = [
    ("inside", [{"introduced": "1.0"}, {"fixed": "1.4"}], "1.2.0", True),
    ("fixed-is-excluded", [{"introduced": "1.0"}, {"fixed": "1.4"}], "1.4", False),
    ("before-introduced", [{"introduced": "1.0"}, {"fixed": "1.4"}], "0.9", False),
    ("from-zero", [{"introduced": "0"}, {"fixed": "2.0"}], "1.9.9", True),
    ("last-affected-included", [{"introduced": "0"}, {"last_affected": "2.0"}], "2.0", True),
    ("after-last-affected", [{"introduced": "0"}, {"last_affected": "2.0"}], "2.0.1", False),
    ("prerelease-before-fix", [{"introduced": "0"}, {"fixed": "2.0"}], "2.0rc1", True),
    ("open-ended", [{"introduced": "3.0"}], "9.9", True),
]


@pytest.mark.parametrize(
    ("events", "version", "hit"), [r[1:] for r in RANGES], ids=[r[0] for r in RANGES]
)
def test_osv_range_matching(events: list[dict[str, str]], version: str, hit: bool) -> None:
    """ECOSYSTEM ranges follow OSV: introduced inclusive, fixed exclusive, last_affected inclusive."""
    advisory = parse_record(_record(events), source="t.json")
    assert (advisory.affecting("demo-pkg", version) is not None) is hit


def test_explicit_versions_list_matches_exactly() -> None:
    """A version in the record's ``versions`` list matches even without a range."""
    advisory = parse_record(_record([], ["0.5"]), source="t.json")
    assert advisory.affecting("demo.pkg", "0.5") is not None
    assert advisory.affecting("demo.pkg", "0.6") is None


def test_realistic_requirements_against_osv_file() -> None:
    """The pinned test project hits exactly the advisories that cover its versions."""
    packages = read_packages(DATA / "requirements.txt")
    result = audit_deps(packages, load_advisories(DATA / "osv.json"))
    found = {(m.package.name, m.advisory.id) for m in result.matches}
    assert found == {
        ("Jinja2", "GHSA-h5c8-rqwp-cp95"),
        ("requests", "GHSA-9wx4-h78v-vm56"),
        ("urllib3", "GHSA-34jh-p97f-mpxf"),
    }
    urllib3 = next(f for f in result.findings if "urllib3" in f.title)
    assert urllib3.check == "deps.vulnerable"
    assert "CVE-2024-37891" in urllib3.title
    assert urllib3.severity == "medium"  # no severity in the record
    assert urllib3.remediation == "Upgrade urllib3 to 2.2.2 or later (also fixed in 1.26.19)."
    assert urllib3.owasp is None
    assert "patching" in urllib3.tags
    assert urllib3.location is not None
    assert urllib3.location.line == 8


def test_severity_and_cwe_come_from_database_specific() -> None:
    """GitHub's MODERATE is medium, and the record's first CWE id is the finding's CWE."""
    result = audit_deps(
        read_packages(DATA / "requirements.txt"), load_advisories(DATA / "osv.json")
    )
    jinja = next(f for f in result.findings if f.title.startswith("Jinja2"))
    assert (jinja.severity, jinja.cwe) == ("medium", "CWE-79")


def test_folder_of_osv_records(tmp_path: Path) -> None:
    """A folder of one-record files loads like one list."""
    for record in json.loads((DATA / "osv.json").read_text()):
        (tmp_path / f"{record['id']}.json").write_text(json.dumps(record))
    assert len(load_advisories(tmp_path)) == 5


def test_lock_files(tmp_path: Path) -> None:
    """poetry.lock / uv.lock / pylock.toml package arrays are read; path entries without versions skipped."""
    lock = tmp_path / "uv.lock"
    lock.write_text(
        'version = 1\n[[package]]\nname = "requests"\nversion = "2.31.0"\n'
        '[[package]]\nname = "myapp"\nsource = { editable = "." }\n'
    )
    assert [(p.name, p.version) for p in read_packages(lock)] == [("requests", "2.31.0")]


BAD_REQUIREMENTS = [
    ("unpinned", "fastapi==0.110.0\nrequests>=2\n", 2, "not pinned"),
    ("not-a-requirement", "fastapi==0.110.0\n\n# ok\nthis is not valid!\n", 4, "not a requirement"),
    ("option", "-e .\n", 1, "unsupported option"),
]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [b[1:] for b in BAD_REQUIREMENTS],
    ids=[b[0] for b in BAD_REQUIREMENTS],
)
def test_bad_requirement_names_its_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    """An unpinned or unparseable requirement is a ConfigError with the file's line number."""
    path = tmp_path / "requirements.txt"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as error:
        read_packages(path)
    assert error.value.line == line


def test_malformed_osv_record_names_its_pointer(tmp_path: Path) -> None:
    """A record whose events are not a list is a ConfigError with the JSON pointer."""
    records = json.loads((DATA / "osv.json").read_text())
    records[2]["affected"][0]["ranges"][0]["events"] = "fixed in 2.32"
    path = tmp_path / "osv.json"
    path.write_text(json.dumps(records))
    with pytest.raises(ConfigError) as error:
        load_advisories(path)
    assert error.value.pointer == "/2/affected/0/ranges/0/events"


def test_invalid_json_names_its_line(tmp_path: Path) -> None:
    """A vulnerability file that is not JSON is a ConfigError with the line."""
    path = tmp_path / "osv.json"
    path.write_text('[\n  {"id": "X",\n')
    with pytest.raises(ConfigError, match="invalid JSON") as error:
        load_advisories(path)
    assert error.value.line == 3


def test_installed_environment_is_read() -> None:
    """The running environment's distributions are listed, apiward's own dependencies among them."""
    names = {p.key for p in installed_packages()}
    assert {"httpx", "bandit", "packaging"} <= names


CRITICAL_V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"  # 9.8
HIGH_V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"  # 7.5
MEDIUM_V3 = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N"  # 6.1
LOW_V3 = "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:L/I:N/A:N"  # 1.8
CRITICAL_V4 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N"  # 9.3


@pytest.mark.parametrize(
    ("severity", "label", "expected"),
    [
        ([("CVSS_V3", CRITICAL_V3)], None, "critical"),
        ([("CVSS_V3", HIGH_V3)], None, "high"),
        ([("CVSS_V3", MEDIUM_V3)], None, "medium"),
        ([("CVSS_V3", LOW_V3)], None, "low"),
        ([("CVSS_V4", CRITICAL_V4)], None, "critical"),
        ([("CVSS_V3", LOW_V3), ("CVSS_V3", HIGH_V3)], None, "high"),
        ([("CVSS_V3", "CVSS:3.1/AV:X/nonsense"), ("CVSS_V3", LOW_V3)], None, "low"),
        ([("CVSS_V2", "AV:N/AC:L/Au:N/C:C/I:C/A:C")], None, "medium"),
        ([("CVSS_V3", CRITICAL_V3)], "LOW", "low"),
    ],
    ids=[
        "v3-critical",
        "v3-high",
        "v3-medium",
        "v3-low",
        "v4-critical",
        "highest-vector-wins",
        "malformed-vector-skipped",
        "v2-not-scored-medium",
        "database-label-first",
    ],
)
def test_severity_from_cvss_vectors(
    severity: list[tuple[str, str]], label: str | None, expected: str
) -> None:
    """Unlabelled records are scored from CVSS v3/v4 vectors (>=9 critical, >=7 high, >=4 medium)."""
    record: dict[str, object] = {
        **_record([{"introduced": "0"}]),
        "severity": [{"type": kind, "score": vector} for kind, vector in severity],
    }
    if label is not None:
        record["database_specific"] = {"severity": label}
    advisory = parse_record(record, source="osv.json")
    (finding,) = audit_deps(read_demo_pkg(), [advisory]).findings
    assert finding.severity == expected


def read_demo_pkg() -> list[Package]:
    """One installed-looking package the test record affects."""
    return [Package(name="demo-pkg", version="1.0", source="requirements.txt", line=1)]
