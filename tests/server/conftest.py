"""The dashboard on a real uvicorn server over a store with two runs, and signed-in clients."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from dashboard_store import PASSWORD, build

from apiward.server.app import create_app

CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@pytest.fixture
def dashboard(serve: Callable[[Any], Any], tmp_path: Path) -> Iterator[str]:
    """The dashboard's base URL."""
    engine = build(tmp_path / "store.db")
    yield serve(create_app(engine)).url
    engine.dispose()


SignIn = Callable[[str], httpx.Client]


@pytest.fixture
def sign_in(dashboard: str) -> Iterator[SignIn]:
    """Sign users in through the login form; their clients close when the test ends."""
    clients: list[httpx.Client] = []

    def signed_in(name: str) -> httpx.Client:
        client = login(dashboard, name)
        clients.append(client)
        return client

    yield signed_in
    for client in clients:
        client.close()


def login(url: str, name: str, password: str = PASSWORD) -> httpx.Client:
    """A client signed in through the login form."""
    client = httpx.Client(base_url=url, timeout=30)
    form = client.get("/login")
    token = CSRF.search(form.text)
    assert token is not None
    answer = client.post(
        "/login", data={"name": name, "password": password, "csrf": token.group(1), "next": "/"}
    )
    assert answer.status_code == 303, answer.text
    return client


def csrf_of(client: httpx.Client) -> str:
    """The session's CSRF token, as the JSON API gives it."""
    token: str = client.get("/api/me").json()["csrf"]
    return token
