"""Fixtures for the report tests; the sample reports themselves are in samples.py."""

from __future__ import annotations

import pytest
from tests.report.samples import bola_finding, full_report, injection_finding, static_finding

from apiward.report import Report


@pytest.fixture
def report() -> Report:
    """A complete scan report with dynamic, static and unmapped findings."""
    return full_report(bola_finding(), static_finding(), injection_finding())
