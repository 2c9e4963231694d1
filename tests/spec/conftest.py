"""Helpers for spec tests: small spec files written into the test's tmp_path."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from apiward.spec import Api, load


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write ``text`` (dedented) to ``name`` under tmp_path and return its path."""

    def write_file(text: str, name: str = "openapi.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
        return path

    return write_file


@pytest.fixture
def load_text(write: Callable[..., Path]) -> Callable[..., Api]:
    """Write a spec and load it."""

    def load_spec(text: str, name: str = "openapi.yaml") -> Api:
        return load(write(text, name))

    return load_spec
