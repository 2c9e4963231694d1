"""What an exploit works with: a running demo bank, logins, and a canary listener."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple

import httpx

from apiward.demo import create_app, serving
from apiward.demo.deps import Bank
from apiward.demo.seed import USERS


class Outcome(NamedTuple):
    """Whether an attack got through, and what showed it (or why it did not)."""

    worked: bool
    evidence: str


Exploit = Callable[["Target"], Outcome]


def registry() -> tuple[dict[str, Exploit], Callable[[str], Callable[[Exploit], Exploit]]]:
    """A fresh id → exploit table and the decorator that fills it."""
    table: dict[str, Exploit] = {}

    def register(flaw_id: str) -> Callable[[Exploit], Exploit]:
        def add(function: Exploit) -> Exploit:
            assert flaw_id not in table, f"two exploits for {flaw_id}"
            table[flaw_id] = function
            return function

        return add

    return table, register


HOSTILE_PAGE = b"<html><script>fetch('/api/v2/me').then(r => r.text())</script></html>"


class Canary:
    """An HTTP listener on 127.0.0.1 that remembers which paths were requested."""

    def __init__(self) -> None:
        hits: list[str] = []
        self.hits = hits

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                hits.append(self.path)
                body, kind = b"transfer_id,date,amount,memo\nx,2026-01-01,1.00,canary\n", "text/csv"
                if self.path.endswith(".html"):
                    body, kind = HOSTILE_PAGE, "text/html; charset=utf-8"
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _record  # noqa: N815

            def log_message(self, format: str, *args: Any) -> None:
                """Stay quiet."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def url(self, tag: str) -> str:
        """A URL on the listener unique to one exploit."""
        return f"{self.base}/canary/{tag}"

    def hit(self, tag: str) -> bool:
        """Whether anything requested the exploit's URL."""
        return f"/canary/{tag}" in self.hits

    @contextmanager
    def running(self) -> Iterator[Canary]:
        """Listen until the block ends."""
        self._thread.start()
        try:
            yield self
        finally:
            self._server.shutdown()
            self._server.server_close()


@dataclass
class Target:
    """A demo bank served on 127.0.0.1, seen from a client."""

    url: str
    fixed: bool
    bank: Bank
    canary: Canary
    client: httpx.Client
    _tokens: dict[str, str] = field(default_factory=dict)

    def token(self, username: str) -> str:
        """A fresh-enough access token for a seeded user (logged in once, cached)."""
        if username not in self._tokens:
            password = USERS[username][1]
            response = self.client.post(
                "/api/v2/auth/login", json={"username": username, "password": password}
            )
            assert response.status_code == 200, f"{username} cannot log in: {response.text}"
            self._tokens[username] = response.json()["access_token"]
        return self._tokens[username]

    def auth(self, username: str) -> dict[str, str]:
        """The Authorization header of a seeded user."""
        return {"Authorization": f"Bearer {self.token(username)}"}

    def get(self, path: str, as_user: str | None = None, **kwargs: Any) -> httpx.Response:
        """GET a path, as a user or anonymously."""
        headers = {**(self.auth(as_user) if as_user else {}), **kwargs.pop("headers", {})}
        return self.client.get(path, headers=headers, **kwargs)

    def send(self, method: str, path: str, as_user: str | None, **kwargs: Any) -> httpx.Response:
        """Send any request, as a user or anonymously."""
        headers = {**(self.auth(as_user) if as_user else {}), **kwargs.pop("headers", {})}
        return self.client.request(method, path, headers=headers, **kwargs)

    def balance(self, username: str) -> float:
        """The balance of a seeded user's checking account, read as that user."""
        accounts = self.get("/api/v2/accounts", username).json()
        return float(next(a["balance"] for a in accounts if a["kind"] == "checking"))


@contextmanager
def target(*, fixed: bool, canary: Canary) -> Iterator[Target]:
    """Serve a fresh demo bank and yield a client's view of it."""
    app = create_app(fixed=fixed)
    with serving(app) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield Target(url=url, fixed=fixed, bank=app.state.bank, canary=canary, client=client)
