"""The zoo's apps and their planted flaws, for the exploit tests and benchmarks/zoo_recall.py."""

from __future__ import annotations

import importlib
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml
from zoo_serve import serving, serving_process

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True, slots=True, kw_only=True)
class ZooApp:
    """One app of the zoo: where its code, contract, identities and ground truth are."""

    name: str
    framework: str
    module: str
    wsgi: bool
    spec: str
    """A file beside the app (``library/openapi.yaml``) or a path it serves (``/openapi.json``)."""

    @property
    def folder(self) -> Path:
        """The folder of the app's contract, identities and ground truth."""
        return HERE / self.name

    @property
    def identities(self) -> Path:
        """The scanner's identities file for this app."""
        return self.folder / "identities.yaml"

    def spec_location(self, url: str) -> str:
        """What ``apiward scan --spec`` takes for this app served at ``url``."""
        return f"{url}{self.spec}" if self.spec.startswith("/") else str(HERE / self.spec)

    def make(self, *, secure: bool) -> Any:
        """A fresh app (WSGI or ASGI), vulnerable or secure."""
        return importlib.import_module(self.module).create_app(secure=secure)

    @contextmanager
    def running(self, *, secure: bool, process: bool = False) -> Iterator[str]:
        """A fresh app served on 127.0.0.1 (in a thread, or a child process); yields its URL."""
        if process:
            with serving_process(self.module, secure=secure, wsgi=self.wsgi) as url:
                yield url
        else:
            with serving(self.make(secure=secure), wsgi=self.wsgi) as url:
                yield url


@dataclass(frozen=True, slots=True, kw_only=True)
class Flaw:
    """A planted flaw: where a finding about it belongs and what it is."""

    id: str
    operations: tuple[str, ...]
    owasp: str
    cwe: tuple[str, ...]
    summary: str


APPS = (
    ZooApp(
        name="library",
        framework="Flask",
        module="library_app",
        wsgi=True,
        spec="library/openapi.yaml",
    ),
    ZooApp(
        name="kitchen",
        framework="Django REST Framework",
        module="kitchen_app",
        wsgi=True,
        spec="/api/schema/",
    ),
    ZooApp(
        name="wallet",
        framework="Starlette",
        module="wallet_app",
        wsgi=False,
        spec="wallet/openapi.yaml",
    ),
    ZooApp(
        name="shop",
        framework="FastAPI",
        module="shop_app",
        wsgi=False,
        spec="/openapi.json",
    ),
    ZooApp(
        name="clinic",
        framework="Falcon",
        module="clinic_app",
        wsgi=True,
        spec="clinic/openapi.yaml",
    ),
)


def ground_truth(app: ZooApp) -> list[Flaw]:
    """The planted flaws listed in the app's ground_truth.yaml."""
    data = yaml.safe_load((app.folder / "ground_truth.yaml").read_text(encoding="utf-8"))
    return [
        Flaw(
            id=f["id"],
            operations=tuple(f["operations"]),
            owasp=f["owasp"],
            cwe=tuple(f["cwe"]),
            summary=f["summary"],
        )
        for f in data["flaws"]
    ]


def app_named(name: str) -> ZooApp:
    """The zoo app called ``name``."""
    return next(a for a in APPS if a.name == name)


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What an exploit achieved, with the evidence to show when a test fails."""

    worked: bool
    evidence: str


Exploit = Callable[[httpx.Client], Outcome]
"""An exploit of one planted flaw, through a client of the app (vulnerable or secure)."""


def unique(prefix: str) -> str:
    """A fresh name, so exploits never depend on each other's leftovers."""
    return f"{prefix}{uuid.uuid4().hex[:8]}"
