"""Scans of the demo bank with every check, run once per test session: vulnerable and fixed."""

from __future__ import annotations

import pytest
from scan_support import scan_demo

from apiward.scan import Results


@pytest.fixture(scope="session")
def vulnerable() -> Results:
    """The scan of a fresh vulnerable bank, --aggressive (it is thrown away afterwards)."""
    return scan_demo(fixed=False, aggressive=True)


@pytest.fixture(scope="session")
def fixed() -> Results:
    """The scan of the fixed bank."""
    return scan_demo(fixed=True)
