"""The zoo's exploit tests: each module names its ``APP``; both twins are served once for it."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from zoo_apps import ZooApp


def _client(request: pytest.FixtureRequest, *, secure: bool) -> Iterator[httpx.Client]:
    app: ZooApp = request.module.APP
    with app.running(secure=secure) as url, httpx.Client(base_url=url) as web:
        yield web


@pytest.fixture(scope="module")
def vulnerable(request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    """A client of the module's ``APP`` as planted, served for the module."""
    yield from _client(request, secure=False)


@pytest.fixture(scope="module")
def secure(request: pytest.FixtureRequest) -> Iterator[httpx.Client]:
    """A client of the module's ``APP``'s secure twin, served for the module."""
    yield from _client(request, secure=True)
