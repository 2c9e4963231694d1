"""Fixtures of the hostile-input suite: the inputs, the servers, and the CLI run in-process."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from inputs import write_inputs
from servers import BEHAVIOURS, HostileServer, closed_port

from apiward.store.schema import open_store


@pytest.fixture(scope="session")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every hostile input file, written once, by name; ``store.db`` is an empty store."""
    folder = tmp_path_factory.mktemp("hostile")
    paths = write_inputs(folder)
    paths["store.db"] = folder / "store.db"
    open_store(str(paths["store.db"])).dispose()  # for the verbs that need one to begin
    return paths


@pytest.fixture(scope="session")
def servers() -> Iterator[dict[str, str]]:
    """A base URL for each misbehaving server, for a closed port, and for a port in use."""
    started = {name: HostileServer(name) for name in BEHAVIOURS}
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    urls = {name: server.url for name, server in started.items()}
    urls["closed"] = f"http://127.0.0.1:{closed_port()}"
    urls["busy"] = f"127.0.0.1:{busy.getsockname()[1]}"
    yield urls
    busy.close()
    for server in started.values():
        server.close()
