"""What every format summarises the same way: OWASP categories, counts, skip reasons, times."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from apiward.core.findings import Finding, Severity
from apiward.report.model import Report, Skipped

# Worst first: the order every table, chart and list shows severities in.
SEVERITIES: tuple[Severity, ...] = tuple(reversed(Severity))

OWASP_2023: Mapping[str, str] = {
    "API1:2023": "Broken Object Level Authorization",
    "API2:2023": "Broken Authentication",
    "API3:2023": "Broken Object Property Level Authorization",
    "API4:2023": "Unrestricted Resource Consumption",
    "API5:2023": "Broken Function Level Authorization",
    "API6:2023": "Unrestricted Access to Sensitive Business Flows",
    "API7:2023": "Server Side Request Forgery",
    "API8:2023": "Security Misconfiguration",
    "API9:2023": "Improper Inventory Management",
    "API10:2023": "Unsafe Consumption of APIs",
}
# Short names keep the terminal table inside 80 columns.
SHORT_NAMES: Mapping[str, str] = {
    "API1:2023": "BOLA",
    "API2:2023": "Broken authentication",
    "API3:2023": "BOPLA",
    "API4:2023": "Resource consumption",
    "API5:2023": "BFLA",
    "API6:2023": "Sensitive business flows",
    "API7:2023": "SSRF",
    "API8:2023": "Misconfiguration",
    "API9:2023": "Inventory management",
    "API10:2023": "Unsafe API consumption",
}
UNMAPPED = "other"
INJECTION = "Injection"
# Reports show one edition, 2023. A 2019 id maps to the 2023 category that took it in;
# the two 2019 categories 2023 dropped keep their own names, never a number that means
# something else in 2023 (API8:2019 Injection beside API8:2023 Misconfiguration).
FROM_2019: Mapping[int, str] = {
    1: "API1:2023",
    2: "API2:2023",
    3: "API3:2023",  # Excessive Data Exposure: part of BOPLA
    4: "API4:2023",
    5: "API5:2023",
    6: "API3:2023",  # Mass Assignment: part of BOPLA
    7: "API8:2023",  # Security Misconfiguration
    8: INJECTION,
    9: "API9:2023",
    10: "Insufficient Logging & Monitoring",
}
_OWASP_ID = re.compile(r"^API(\d{1,2})(?::(\d{4}))?$", re.IGNORECASE)


def category(finding: Finding) -> str:
    """The finding's 2023 OWASP category (``APIn:2023``), ``Injection``, or ``other``."""
    return category_of(finding.owasp)


def category_of(owasp: str | None) -> str:
    """The 2023 OWASP category of an OWASP id of either edition (see :func:`category`)."""
    if not owasp or not owasp.strip():
        return UNMAPPED
    match = _OWASP_ID.match(owasp.strip())
    if match is None:
        return owasp.strip()
    number = int(match.group(1))
    if match.group(2) == "2019":
        return FROM_2019.get(number, owasp.strip())
    return f"API{number}:{match.group(2) or '2023'}"


def category_name(cat: str, *, short: bool = False) -> str:
    """A reader's label for a category: ``API1:2023 BOLA`` or the full OWASP name."""
    names = SHORT_NAMES if short else OWASP_2023
    if cat in names:
        return f"{cat.split(':')[0] if short else cat} {names[cat]}"
    return "Other (no OWASP id)" if cat == UNMAPPED else cat


def category_order(cat: str) -> tuple[int, int, str]:
    """Sort key for categories: API1 to API10, then others by name, ``other`` last."""
    match = _OWASP_ID.match(cat)
    if match:
        return (0, int(match.group(1)), cat)
    return (2 if cat == UNMAPPED else 1, 0, cat)


def by_category(findings: Iterable[Finding]) -> dict[str, dict[Severity, int]]:
    """Counts per category (API1 first, ``other`` last) and severity (worst first)."""
    counts = Counter((category(f), f.severity) for f in findings)
    cats = sorted({cat for cat, _ in counts}, key=category_order)
    return {cat: {sev: counts[(cat, sev)] for sev in SEVERITIES} for cat in cats}


def by_severity(findings: Iterable[Finding]) -> dict[Severity, int]:
    """Counts per severity, worst first, zeros included."""
    counts = Counter(f.severity for f in findings)
    return {sev: counts[sev] for sev in SEVERITIES}


def skipped_by_reason(skipped: Iterable[Skipped]) -> list[tuple[str, int]]:
    """Skip reasons with how many check × operation pairs each covers, most frequent first."""
    counts = Counter(s.reason for s in skipped)
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def where(finding: Finding) -> str:
    """The operation a finding is about, else its file location, else an empty string."""
    if finding.operation:
        return finding.operation
    return str(finding.location) if finding.location else ""


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive time is taken to be UTC already (no machine-local guess)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso(moment: datetime) -> str:
    """An ISO 8601 UTC timestamp ending in ``Z``, as SARIF and JUnit readers expect."""
    return utc(moment).isoformat().replace("+00:00", "Z")


def duration(report: Report) -> float:
    """Seconds between start and finish, rounded to milliseconds."""
    return round((utc(report.finished) - utc(report.started)).total_seconds(), 3)


def operations_covered(report: Report) -> int:
    """How many distinct operations at least one check ran on.

    Checks that ran on the whole target (a contract audit's rules, with no operation
    each) covered every operation the run counted in its ``operations`` stat.
    """
    named = {r.operation for r in report.ran if r.operation}
    if named or not report.ran:
        return len(named)
    counted = report.stats.get("operations", 0)
    return int(counted) if isinstance(counted, int | float) else 0


def per_operation(report: Report) -> bool:
    """Whether the run's checks ran per operation (a scan) or on the whole target (an audit)."""
    return any(r.operation for r in report.ran) or not report.ran


def coverage_line(report: Report) -> str:
    """What ran on how much: ``21 rules run on the whole contract (296 operations), 0 skipped``."""
    ran, skipped, operations = len(report.ran), len(report.skipped), operations_covered(report)
    if per_operation(report):
        return f"{ran} checks run (check × operation) on {operations} operations, {skipped} skipped"
    return f"{ran} checks run on the whole target ({operations} operations), {skipped} skipped"


RESTATED = frozenset({"checks_run", "checks_skipped", "operations_exercised", "findings"})
"""Stats every format already shows from the report itself (coverage, headline)."""
REQUESTS_BY = "requests."
"""Stats named ``requests.<phase or check>``: what each part of a scan sent."""


def plain_stats(report: Report) -> list[tuple[str, object]]:
    """The run's own figures, without those the coverage already shows or the per-part requests."""
    return [
        (name, value)
        for name, value in report.stats.items()
        if name not in RESTATED and not name.startswith(REQUESTS_BY)
    ]


def requests_by(report: Report) -> list[tuple[str, int]]:
    """``(phase or check, requests)``, most first."""
    found = [
        (name.removeprefix(REQUESTS_BY), int(value))
        for name, value in report.stats.items()
        if name.startswith(REQUESTS_BY) and isinstance(value, int | float)
    ]
    return sorted(found, key=lambda item: (-item[1], item[0]))
