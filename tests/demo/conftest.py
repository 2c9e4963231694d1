"""Demo-bank fixtures: one server per mode per test module, and one canary listener."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from demo_target import Canary, Target, target


@pytest.fixture(scope="module")
def canary() -> Iterator[Canary]:
    """A listener on 127.0.0.1 that SSRF exploits make the bank call."""
    with Canary().running() as listener:
        yield listener


@pytest.fixture(scope="module")
def vulnerable(canary: Canary) -> Iterator[Target]:
    """The vulnerable demo bank on a real uvicorn server."""
    with target(fixed=False, canary=canary) as bank:
        yield bank


@pytest.fixture(scope="module")
def fixed(canary: Canary) -> Iterator[Target]:
    """The fixed demo bank on a real uvicorn server."""
    with target(fixed=True, canary=canary) as bank:
        yield bank


@pytest.fixture(scope="module", params=[False, True], ids=["vulnerable", "fixed"])
def either(request: pytest.FixtureRequest, canary: Canary) -> Iterator[Target]:
    """Each demo bank in turn, for behaviour that must be the same in both."""
    with target(fixed=request.param, canary=canary) as bank:
        yield bank
