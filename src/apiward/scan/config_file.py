"""``apiward scan --config FILE``: every option of the command line, in a YAML file.

Also where an API's kept scan options meet its config file (:func:`with_config`), for
``scan --api`` and the worker's scheduled scans alike.

::

    spec: openapi.yaml
    target: http://127.0.0.1:8000
    identities: identities.yaml     # relative paths are relative to this file
    exclude: ["DELETE *", "tag:admin"]
    safe: true
    fail-on: high

Keys are the long options without ``--`` (``fail-on``; ``fail_on`` too). The command
line wins over the file. An unknown key or a value of the wrong type is a ConfigError
naming the file and the line.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from apiward.core import yamlfile
from apiward.core.errors import ConfigError
from apiward.core.files import read_text
from apiward.core.findings import Severity

_LISTS = {"include", "exclude", "checks"}
_PATHS = {"identities", "json", "sarif", "junit", "report"}
_KINDS: dict[str, type] = {
    "spec": str,
    "target": str,
    "safe": bool,
    "show-secrets": bool,
    "allow-private": bool,
    "aggressive": bool,
    "no-signup": bool,
    "concurrency": int,
    "rate": float,
    "timeout": float,
    "max-answer-bytes": int,
    "fail-on": Severity,
    "values": dict,
    **dict.fromkeys(_LISTS, list),
    **dict.fromkeys(_PATHS, Path),
}
_LEAST = {"concurrency": 1, "rate": 0.1, "timeout": 0.1, "max-answer-bytes": 1024}
MAX_CONCURRENCY = 256
"""Requests in flight at most, however the scan is configured (``--concurrency``, a file)."""
_MOST = {"concurrency": MAX_CONCURRENCY}


def read_scan_config(path: Path) -> dict[str, Any]:
    """The file's options by long name (``fail-on``), typed; a mistake names file:line."""
    source = os.fspath(path)
    text = read_text(path, what="scan config")
    return _read(yamlfile.compose(text, source), path.parent, source)


def with_config(kept: Mapping[str, Any]) -> dict[str, Any]:
    """Options kept by long name, over those of the ``config`` file they name (read now)."""
    config = kept.get("config")
    options = read_scan_config(Path(config)) if config else {}
    options.update({name: value for name, value in kept.items() if name != "config"})
    return options


def _read(root: yaml.Node | None, base: Path, source: str) -> dict[str, Any]:
    if root is None:
        return {}
    if not isinstance(root, yaml.MappingNode):
        raise ConfigError("a scan config is a mapping of options", source=source, line=1)
    options: dict[str, Any] = {}
    for key, node in root.value:
        line = key.start_mark.line + 1
        if not isinstance(key, yaml.ScalarNode):
            raise ConfigError(
                "a key is an option's name, not a list or mapping", source=source, line=line
            )
        name = str(key.value).replace("_", "-")
        if name not in _KINDS:
            known = ", ".join(sorted(_KINDS))
            raise ConfigError(
                f"unknown key {key.value!r} (known: {known})", source=source, line=line
            )
        value = yamlfile.construct(node, source)
        options[name] = _typed(name, value, base, source, line)
    return options


def _typed(name: str, value: Any, base: Path, source: str, line: int) -> Any:
    kind = _KINDS[name]

    def wrong(what: str) -> ConfigError:
        return ConfigError(f"{name} must be {what}, got {value!r}", source=source, line=line)

    if kind is str:
        if not isinstance(value, str) or not value.strip():
            raise wrong("a non-empty string")
        return str(base / value) if name == "spec" and "://" not in value else value
    if kind is bool:
        if not isinstance(value, bool):
            raise wrong("true or false")
        return value
    if kind is int or kind is float:
        if isinstance(value, bool) or not isinstance(value, int | float if kind is float else int):
            raise wrong("an integer" if kind is int else "a number")
        if not _LEAST[name] <= value <= _MOST.get(name, math.inf):  # NaN is neither
            most = f" and at most {_MOST[name]}" if name in _MOST else ""
            raise wrong(f"at least {_LEAST[name]}{most}")
        return kind(value)
    if kind is Severity:
        try:
            return Severity(str(value).lower())
        except ValueError:
            raise wrong("one of " + ", ".join(s.value for s in Severity)) from None
    if kind is dict:
        if not isinstance(value, dict) or not all(_scalar(v) for v in value.values()):
            raise wrong("a mapping of names to values")
        return {str(k): str(v) for k, v in value.items()}
    if kind is list:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise wrong("a string or a list of strings")
        return items
    if not isinstance(value, str) or not value.strip():
        raise wrong("a path")
    return base / value


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)
