"""Scans of the demo bank with every check, each run once per test session.

Every test that reads one of them runs on one xdist worker (see tests/conftest.py), so a
scan is made once in the whole run however many files read it.
"""

from __future__ import annotations

import pytest
from scan_support import FixedBankScan, bank_users, scan_demo, scan_demo_at

from apiward.demo import running
from apiward.scan import Results


@pytest.fixture(scope="session")
def vulnerable() -> Results:
    """The scan of a fresh vulnerable bank, --aggressive (it is thrown away afterwards)."""
    return scan_demo(fixed=False, aggressive=True)


@pytest.fixture(scope="session")
def vulnerable_safe() -> Results:
    """The scan of a fresh vulnerable bank under --safe."""
    return scan_demo(fixed=False, safe=True)


@pytest.fixture(scope="session")
def fixed_bank_scan() -> FixedBankScan:
    """The fixed bank scanned by default with ``--value role=support``; its users around it.

    ``role=support`` makes any legitimate role write visible: the synthesised role would
    otherwise equal the victim's by luck.
    """
    with running(fixed=True) as url:
        before = bank_users(url)
        results = scan_demo_at(url, values={"role": "support"})
        return FixedBankScan(results, before, bank_users(url))


@pytest.fixture(scope="session")
def fixed(fixed_bank_scan: FixedBankScan) -> Results:
    """The scan of the fixed bank."""
    return fixed_bank_scan.results
