"""Guard fixtures: the test contract, an echo app, and in-process clients through the Guard."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from guard_app import echo_app

from apiward.guard import AuditPolicy, Guard, Policy
from apiward.spec import Api, load

HERE = Path(__file__).parent
CONTRACT = HERE / "contract.yaml"


@pytest.fixture(scope="session")
def api() -> Api:
    """The test contract, loaded once."""
    return load(CONTRACT)


def quiet_policy(tmp: Path, **sections: Any) -> Policy:
    """A policy with an audit log in ``tmp`` and the given sections."""
    sections.setdefault("audit", AuditPolicy(sink=str(tmp / "audit.jsonl")))
    return Policy(**sections)


@pytest.fixture
def guarded(api: Api, tmp_path: Path) -> Callable[..., Any]:
    """``async with guarded(**policy_sections) as client``: the echo app behind a Guard."""

    @asynccontextmanager
    async def client(
        app: Any = echo_app,
        *,
        client_ip: str = "203.0.113.9",
        scheme: str = "http",
        **sections: Any,
    ) -> AsyncIterator[httpx.AsyncClient]:
        guard = Guard(app, policy=quiet_policy(tmp_path, **sections), api=api)
        transport = httpx.ASGITransport(app=guard, client=(client_ip, 5000))
        async with httpx.AsyncClient(transport=transport, base_url=f"{scheme}://guarded") as http:
            yield http
        await guard.aclose()

    return client


@pytest.fixture(autouse=True)
def _in_a_scratch_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A policy built without an audit sink writes ``apiward-audit.jsonl`` here, not in the repo."""
    monkeypatch.chdir(tmp_path)
