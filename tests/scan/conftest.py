"""Scans of the demo bank, run once per module: vulnerable and fixed, as real uvicorn servers."""

from __future__ import annotations

import pytest
from scan_support import scan_demo

from apiward.scan import Results


@pytest.fixture(scope="module")
def vulnerable() -> Results:
    """The scan of the vulnerable bank."""
    return scan_demo(fixed=False)


@pytest.fixture(scope="module")
def fixed() -> Results:
    """The scan of the fixed bank."""
    return scan_demo(fixed=True)
