"""The native build: the guard's request path compiled with mypyc into the wheel.

Off by default (``make native`` switches it on with ``HATCH_BUILD_HOOK_ENABLE_CUSTOM=1``):
the pure-Python wheel and the editable install are unchanged. On, the modules
:func:`native_modules` lists are compiled from the same typed sources (mypyc, part of
mypy) in a scratch copy of the package, and the extensions go into the wheel beside
the ``.py`` files, which stay as the readable source; Python imports an extension
before a ``.py`` of the same name. Nothing is
ever built into ``src/``, where an extension would shadow the module being edited.
Why: the guard's cost is the interpreter running its Python (see the README's Cost
section); compiled, the same code adds about a third fewer instructions per request.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

GUARD = "src/apiward/guard"
# Left interpreted: start-up only (policy loading, the CLI's serving, log verification);
# the stage contract and vocabularies (types read at run time, nothing per request);
# the gateway, whose forwarding streams through an async generator, which mypyc
# cannot compile, and costs what httpx costs.
INTERPRETED = frozenset(
    {
        "__init__.py",
        "policy.py",
        "policy_schema.py",
        "serve.py",
        "auditverify.py",
        "vocabulary.py",
        "stage.py",
        "gateway.py",
    }
)

_SETUP = """\
from setuptools import setup
from mypyc.build import mypycify

setup(name="apiward_native", ext_modules=mypycify({paths!r}, opt_level="3"))
"""


def native_modules(root: Path) -> list[str]:
    """The guard's modules compiled in the native build, relative to ``src``."""
    guard = root / GUARD
    return sorted(
        str(path.relative_to(root / "src"))
        for path in guard.rglob("*.py")
        if path.name != "__init__.py" and str(path.relative_to(guard)) not in INTERPRETED
    )


class NativeBuild(BuildHookInterface):  # type: ignore[type-arg]
    """Compiles the guard's request path into the wheel (when the hook is switched on)."""

    PLUGIN_NAME = "native"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        """Build the extensions in a scratch copy and add them to the wheel."""
        if self.target_name != "wheel" or version == "editable":
            return  # an editable install runs src/ as it is edited
        root = Path(self.root)
        scratch = Path(tempfile.mkdtemp(prefix="apiward-native-"))
        self._scratch = scratch
        shutil.copytree(root / "src", scratch / "src")
        paths = native_modules(root)
        (scratch / "src" / "setup.py").write_text(_SETUP.format(paths=paths))
        done = subprocess.run(
            [sys.executable, "setup.py", "build_ext", "--inplace"],
            cwd=scratch / "src",
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(f"mypyc failed to compile the guard:\n{done.stdout}{done.stderr}")
        # The shared runtime library sits at the top; each module's stub beside its source.
        src = scratch / "src"
        for built in [*src.glob("*.so"), *(src / "apiward").rglob("*.so")]:
            build_data["force_include"][str(built)] = str(built.relative_to(src))
        build_data["pure_python"] = False
        build_data["infer_tag"] = True

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        """Remove the scratch copy once the wheel holds its extensions."""
        scratch = getattr(self, "_scratch", None)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
