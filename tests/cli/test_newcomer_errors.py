"""Bad input through the real CLI: one line saying what and where, exit code 2, no traceback."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

Cli = Callable[..., subprocess.CompletedProcess[str]]

MISSING_DATABASE = "postgresql://postgres@127.0.0.1:5432/apiward_no_such_queue"


def _one_error_line(done: subprocess.CompletedProcess[str], *said: str) -> None:
    """Exit 2, nothing but one ``error:`` line on stderr, saying each of ``said``."""
    assert done.returncode == 2, done.stdout + done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: "), done.stderr
    for words in said:
        assert words in lines[0], lines[0]


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port on 127.0.0.1 something else already listens on."""
    with socket.create_server(("127.0.0.1", 0)) as taken:
        yield int(taken.getsockname()[1])


@pytest.mark.parametrize(
    "verb",
    [["worker"], ["scheduler", "--once"], ["server", "--listen", "127.0.0.1:{port}"]],
    ids=["worker", "scheduler", "server"],
)
def test_a_queue_database_that_does_not_exist_is_one_line(
    apiward: Cli, tmp_path: Path, verb: list[str], closed_port: int
) -> None:
    """--queue naming a missing database: one line naming it, before anything is announced."""
    store = tmp_path / "store.db"
    assert apiward("api", "list", "--store", str(store)).returncode == 2  # not there yet
    apiward("store", "upgrade", "--store", str(store))
    args = [word.format(port=closed_port) for word in verb]
    done = apiward(*args, "--store", str(store), "--queue", MISSING_DATABASE, timeout=30)
    _one_error_line(done, "queue unavailable", "apiward_no_such_queue", "does not exist")


def test_a_queue_on_a_closed_port_is_one_line(
    apiward: Cli, tmp_path: Path, closed_port: int
) -> None:
    """--queue on a port nothing listens on: one line, exit 2, no 'waiting for jobs'."""
    store = tmp_path / "store.db"
    apiward("store", "upgrade", "--store", str(store))
    queue = f"postgresql://postgres@127.0.0.1:{closed_port}/q"
    done = apiward("worker", "--store", str(store), "--queue", queue, timeout=30)
    _one_error_line(done, "queue unavailable", f"127.0.0.1:{closed_port}")


@pytest.mark.parametrize(
    "verb",
    [
        ["findings", "list"],
        ["findings", "show", "abcdef12"],
        ["findings", "triage", "abcdef12", "--as", "cleared"],
        ["diff", "1", "2"],
        ["store", "info"],
        ["api", "list"],
        ["api", "show", "payments"],
        ["api", "endpoints", "payments"],
        ["retest", "abcdef12"],
        ["server", "--listen", "127.0.0.1:{port}"],
    ],
    ids=lambda verb: " ".join(verb[:2]),
)
def test_verbs_that_read_refuse_a_store_that_is_not_there(
    apiward: Cli, tmp_path: Path, verb: list[str], closed_port: int
) -> None:
    """A mistyped store path is refused in one line, and no folder or file is created."""
    missing = tmp_path / "typo" / "store.db"
    args = [word.format(port=closed_port) for word in verb]
    done = apiward(*args, "--store", str(missing), timeout=30)
    _one_error_line(done, str(missing), "no store here")
    assert not missing.parent.exists()


def test_recording_verbs_still_create_their_store(apiward: Cli, tmp_path: Path) -> None:
    """`api add` creates the store it names; reading it afterwards works."""
    spec = tmp_path / "openapi.yaml"
    spec.write_text("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n")
    store = tmp_path / "new" / "store.db"
    added = apiward("api", "add", "x", "--spec", str(spec), "--store", str(store))
    assert added.returncode == 0, added.stderr
    listed = apiward("api", "list", "--store", str(store))
    assert listed.returncode == 0, listed.stderr
    assert "1 API(s)" in listed.stdout


def test_the_dashboard_on_a_port_in_use_is_one_line(
    apiward: Cli, tmp_path: Path, taken_port: int
) -> None:
    """`server --listen` on a taken port: one line, exit 2, and no 'dashboard on' announced."""
    store = tmp_path / "store.db"
    apiward("store", "upgrade", "--store", str(store))
    done = apiward("server", "--store", str(store), "--listen", f"127.0.0.1:{taken_port}")
    assert "dashboard on" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if not line.startswith(("no ", "warn"))]
    assert done.returncode == 2, done.stderr
    assert lines == [f"error: cannot listen on 127.0.0.1:{taken_port}: Address already in use"]


@pytest.mark.parametrize(
    ("option", "value", "said"),
    [
        ("--spec", "notopenapi.yaml", "not an OpenAPI or Swagger document"),
        ("--spec", "missing.yaml", "no such file"),
        ("--spec", "ftp://example.test/openapi.json", "expected an http(s) URL"),
        ("--target", "notaurl", "expected an http(s) URL"),
    ],
    ids=["not-openapi", "no-file", "not-http-spec", "target-not-a-url"],
)
def test_api_add_checks_its_contract_and_target(
    apiward: Cli, tmp_path: Path, option: str, value: str, said: str
) -> None:
    """`api add` with a contract that is not one, or a target that is no URL: nothing added."""
    (tmp_path / "notopenapi.yaml").write_text("hello: world\n")
    spec = tmp_path / "openapi.yaml"
    spec.write_text("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n")
    given = {"--spec": str(spec), "--target": "http://127.0.0.1:8000"}
    given[option] = str(tmp_path / value) if value.endswith(".yaml") else value
    store = tmp_path / "store.db"
    done = apiward("api", "add", "x2", *[w for pair in given.items() for w in pair],
                   "--store", str(store))  # fmt: skip
    _one_error_line(done, said)
    assert "x2" not in apiward("api", "list", "--store", str(store)).stdout


def test_a_contract_url_is_not_fetched_by_api_add(apiward: Cli, tmp_path: Path) -> None:
    """A contract URL is checked as a URL only: the API may not be up when it is registered."""
    store = tmp_path / "store.db"
    done = apiward("api", "add", "later", "--spec", "http://127.0.0.1:9/openapi.json",
                   "--target", "http://127.0.0.1:9", "--store", str(store))  # fmt: skip
    assert done.returncode == 0, done.stderr


def test_scanning_an_api_that_is_not_registered_says_so(apiward: Cli, tmp_path: Path) -> None:
    """`scan --api NAME` without --spec, for an API the store does not know, points to api add."""
    done = apiward("scan", "--api", "nosuch", "--store", str(tmp_path / "store.db"))
    _one_error_line(done, "API 'nosuch' is not registered", "apiward api add nosuch")


@pytest.mark.parametrize(
    "verb",
    [["spec", "show"], ["audit", "contract"], ["scan", "--target", "http://127.0.0.1:9", "--spec"]],
    ids=["spec show", "audit contract", "scan"],
)
def test_an_html_page_given_as_a_contract_is_named_as_such(
    apiward: Cli, tmp_path: Path, verb: list[str]
) -> None:
    """A docs page (HTML) given for the contract: 'an HTML page', not a YAML parse error."""
    page = tmp_path / "docs"
    page.write_text(
        "<!DOCTYPE html>\n<html>\n<head><title>API docs</title></head>\n"
        '<body><div id="swagger-ui">see: here</div></body>\n</html>\n'
    )
    done = apiward(*verb, str(page))
    _one_error_line(done, "an HTML page, not an OpenAPI document")
