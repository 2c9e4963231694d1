"""Both middleware forms work: add_middleware(Guard, ...) and Guard(app, ...)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from apiward.core.errors import ConfigError
from apiward.guard import Guard, Policy

pytestmark = pytest.mark.anyio
CONTRACT = Path(__file__).parent / "contract.yaml"


def _policy(tmp_path: Path) -> Path:
    path = tmp_path / "apiward.yaml"
    path.write_text(f"contract: {CONTRACT}\naudit:\n  sink: audit.jsonl\n")
    return path


async def test_add_middleware_form(tmp_path: Path) -> None:
    """app.add_middleware(Guard, policy=Policy.load(...)) guards a FastAPI app."""
    app = FastAPI()

    @app.get("/items/{item_id}")
    async def item(item_id: int) -> dict[str, object]:
        return {"id": item_id, "name": "pen", "internal": "x"}

    app.add_middleware(Guard, policy=Policy.load(_policy(tmp_path)))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as http:
        ok = await http.get("/items/3")
        shadow = await http.get("/docs")
    assert ok.json() == {"id": 3, "name": "pen"}
    assert shadow.status_code == 404
    assert (tmp_path / "audit.jsonl").read_bytes().count(b"\n") == 3


def test_a_contract_is_required() -> None:
    """Without a contract the guard refuses to start rather than guess."""
    with pytest.raises(ConfigError, match="needs the API's contract"):
        Guard(FastAPI(), policy=Policy())
