"""The native build: which guard modules it compiles, and that a run uses the build it claims.

``make pytest-native`` runs the guard's tests with ``PYTHONPATH=build/native`` and
``APIWARD_EXPECT_NATIVE=1``; there every compiled module must be the extension, or
the guard's tests would quietly pass on the interpreted code. In a plain run, no
extension may shadow a module being edited in src/.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from hatch_build import native_modules  # noqa: E402

NATIVE = os.environ.get("APIWARD_EXPECT_NATIVE") == "1"


def _module(path: str) -> str:
    return path.removesuffix(".py").replace("/", ".")


def test_the_request_path_is_compiled_and_start_up_is_not() -> None:
    """The pipeline's modules are in the build; policy loading and the gateway are not."""
    compiled = set(map(_module, native_modules(ROOT)))
    assert {
        "apiward.guard.asgi",
        "apiward.guard.context",
        "apiward.guard.response",
        "apiward.guard.audit",
        "apiward.guard.ratelimit",
        "apiward.guard.validate",
        "apiward.guard.authn.stage",
        "apiward.guard.authz.stage",
    } <= compiled
    interpreted = {
        "apiward.guard.policy",
        "apiward.guard.policy_schema",
        "apiward.guard.gateway",
        "apiward.guard.stage",
    }
    assert not interpreted & compiled


@pytest.mark.skipif(not NATIVE, reason="runs under make pytest-native")
def test_under_the_native_run_every_compiled_module_is_the_extension() -> None:
    """A module imported from its .py here would mean the native tests test nothing native."""
    for path in native_modules(ROOT):
        module = importlib.import_module(_module(path))
        assert Path(module.__file__ or "").suffix == ".so", module.__name__


@pytest.mark.skipif(NATIVE, reason="the plain run")
def test_no_extension_shadows_a_source_being_edited() -> None:
    """The native build happens in a scratch copy: src/ never holds an extension."""
    assert not list((ROOT / "src").rglob("*.so"))
    assert Path(importlib.import_module("apiward.guard.asgi").__file__ or "").suffix == ".py"
