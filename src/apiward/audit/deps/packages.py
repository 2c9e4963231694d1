"""The packages to audit: pinned in a requirements or lock file, or installed here.

``requirements.txt`` lines must pin one version (``name==1.2.3``); anything else is a
ConfigError naming the file and line, since a range cannot be checked against advisories.
``pylock.toml`` (PEP 751), ``poetry.lock`` and ``uv.lock`` are read through tomllib.
"""

from __future__ import annotations

import importlib.metadata
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from apiward.core.errors import ConfigError


@dataclass(frozen=True, slots=True, kw_only=True)
class Package:
    """One distribution at one version, and where apiward learnt of it."""

    name: str
    version: str
    source: str
    line: int | None = None
    licenses: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """The normalised name (PEP 503) advisories are matched on."""
        return canonicalize_name(self.name)

    @property
    def purl(self) -> str:
        """The package URL, ``pkg:pypi/name@version``."""
        return f"pkg:pypi/{self.key}@{self.version}"


def read_packages(path: str | Path) -> list[Package]:
    """The pinned packages of a requirements file or lock file."""
    file = Path(path)
    if file.is_dir():
        raise ConfigError("is a directory, not a requirements or lock file", source=str(path))
    if not file.is_file():
        raise ConfigError("no such file", source=str(path))
    if file.suffix == ".toml" or file.name.endswith(".lock"):
        return _lock(file)
    return _requirements(file)


def _requirements(file: Path) -> list[Package]:
    packages: list[Package] = []
    for number, line in _logical_lines(_text(file)):
        if line.startswith("-"):
            option = line.split()[0]
            raise ConfigError(
                f"unsupported option {option!r}: list pinned packages only",
                source=str(file),
                line=number,
            )
        packages.append(_pinned(line, str(file), number))
    return packages


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Lines with ``\\`` continuations joined, comments and ``--hash`` options dropped."""
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        line = re.sub(r"(^|\s)#.*$", "", raw).strip()
        start = start or number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        logical = re.sub(r"\s--hash[=\s]\S+", "", f" {pending}{line}").strip()
        if logical:
            yield start, logical
        pending, start = "", 0


def _pinned(line: str, source: str, number: int) -> Package:
    try:
        requirement = Requirement(line)
    except InvalidRequirement as error:
        raise ConfigError(f"not a requirement: {error}", source=source, line=number) from None
    pins = [spec.version for spec in requirement.specifier if spec.operator in {"==", "==="}]
    if len(pins) != 1 or "*" in pins[0]:
        raise ConfigError(
            f"{requirement.name} is not pinned to one version (use name==x.y.z)",
            source=source,
            line=number,
        )
    return Package(name=requirement.name, version=pins[0], source=source, line=number)


def _lock(file: Path) -> list[Package]:
    try:
        data = tomllib.loads(_text(file))
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"invalid TOML: {error}", source=str(file)) from None
    # pylock.toml, poetry.lock and uv.lock all keep a [[package]] / [[packages]] array.
    key = "packages" if "packages" in data else "package"
    entries = data.get(key, [])
    if not isinstance(entries, list):
        raise ConfigError("expected an array of packages", source=str(file), pointer=f"/{key}")
    packages = []
    for i, entry in enumerate(entries):
        at = f"/{key}/{i}"
        if not isinstance(entry, dict):
            raise ConfigError("a package entry must be a table", source=str(file), pointer=at)
        name, version = entry.get("name"), entry.get("version")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(
                f"a package name must be a string, got {name!r}", source=str(file), pointer=at
            )
        if version is None:
            continue  # path, directory and VCS entries carry no version to check
        if not isinstance(version, str) or not version.strip():
            raise ConfigError(
                f"{name}: a version must be a string, got {version!r}",
                source=str(file),
                pointer=at,
            )
        packages.append(Package(name=name, version=version, source=str(file)))
    return packages


def _text(file: Path) -> str:
    """The file as UTF-8 text; anything else is a ConfigError naming the file."""
    try:
        return file.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise ConfigError(f"not UTF-8 text (byte {error.start})", source=str(file)) from None
    except OSError as error:
        raise ConfigError(f"cannot read: {error.strerror}", source=str(file)) from None


def installed_packages() -> list[Package]:
    """Every distribution installed in the running environment, with its licences."""
    found: dict[str, Package] = {}
    for dist in importlib.metadata.distributions():
        name = dist.metadata["Name"]
        if name and canonicalize_name(name) not in found:
            found[canonicalize_name(name)] = Package(
                name=name, version=dist.version, source="installed", licenses=_licenses(dist)
            )
    return sorted(found.values(), key=lambda p: p.key)


def _licenses(dist: importlib.metadata.Distribution) -> tuple[str, ...]:
    metadata = dist.metadata
    if "License-Expression" in metadata:
        return (metadata["License-Expression"],)
    classifiers = dist.metadata.get_all("Classifier") or []
    return tuple(c.rsplit(" :: ", 1)[-1] for c in classifiers if c.startswith("License :: OSI"))
