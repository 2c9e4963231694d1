"""Every reason a scan can give for not testing something is explained in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from apiward.scan.check import SkipReason

README = Path(__file__).resolve().parents[2] / "README.md"


def _coverage_table() -> str:
    scan = README.read_text().split("\n## Scan\n", 1)[1]
    return scan[scan.index("**Coverage**") :].split("\n\n|", 1)[1].split("\n\n", 1)[0]


@pytest.mark.parametrize("reason", list(SkipReason), ids=[r.name for r in SkipReason])
def test_every_skip_reason_has_a_row_in_the_coverage_table(reason: SkipReason) -> None:
    """The README's Coverage table has a row for the reason, with what it means and what to do."""
    rows = [row for row in _coverage_table().splitlines() if row.startswith(f"| `{reason}` |")]
    assert len(rows) == 1, f"README Coverage table lacks `{reason}`"
    cells = [cell.strip() for cell in rows[0].strip("|").split("|")]
    assert len(cells) == 4
    assert all(re.search(r"\w", cell) for cell in (cells[1], cells[3]))
