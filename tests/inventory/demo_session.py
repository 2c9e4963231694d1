"""A real session against the demo bank, recorded as HAR, access log and audit log.

The recorder hangs on httpx's event hooks, so it sees exactly what went over the
wire (the bodies included); the access log and the audit log are generated from the
same recorded exchanges, the way nginx and the guard would have written them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import orjson

from apiward.core.events import GENESIS, AuditEvent
from apiward.demo.seed import USERS


@dataclass(frozen=True)
class Recorded:
    """One exchange as the recorder saw it."""

    started: datetime
    request: httpx.Request
    response: httpx.Response


class Recorder:
    """Collects every exchange of an httpx client through its response hook."""

    def __init__(self) -> None:
        self.exchanges: list[Recorded] = []

    def hooks(self) -> dict[str, list[Any]]:
        """The ``event_hooks`` to give an ``httpx.Client``."""
        return {"response": [self._on_response]}

    def _on_response(self, response: httpx.Response) -> None:
        response.read()
        started = datetime.now(UTC) - response.elapsed
        self.exchanges.append(Recorded(started, response.request, response))

    def har(self) -> dict[str, Any]:
        """The session as a HAR 1.2 document."""
        return {
            "log": {
                "version": "1.2",
                "creator": {"name": "apiward tests", "version": "1"},
                "entries": [_entry(r) for r in self.exchanges],
            }
        }

    def access_log(self) -> str:
        """The session as nginx would log it, in the combined format."""
        return "".join(_access_line(r) + "\n" for r in self.exchanges)

    def audit_log(self) -> str:
        """The session as the guard's hash-chained audit log."""
        lines, previous = [], GENESIS
        for recorded in self.exchanges:
            event = _event(recorded).chained(previous)
            previous = event.hash
            lines.append(event.to_json().decode())
        return "\n".join(lines) + "\n"

    def write(self, folder: Path) -> dict[str, Path]:
        """All three files in ``folder``; their paths by format name."""
        paths = {
            "har": folder / "session.har",
            "access": folder / "access.log",
            "audit": folder / "audit.jsonl",
        }
        paths["har"].write_bytes(orjson.dumps(self.har(), option=orjson.OPT_INDENT_2))
        paths["access"].write_text(self.access_log())
        paths["audit"].write_text(self.audit_log())
        return paths


def _headers(headers: httpx.Headers) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in headers.multi_items()]


def _entry(recorded: Recorded) -> dict[str, Any]:
    request, response = recorded.request, recorded.response
    url = urlsplit(str(request.url))
    entry: dict[str, Any] = {
        "startedDateTime": recorded.started.isoformat().replace("+00:00", "Z"),
        "time": response.elapsed.total_seconds() * 1000,
        "request": {
            "method": request.method,
            "url": str(request.url),
            "httpVersion": "HTTP/1.1",
            "headers": _headers(request.headers),
            "queryString": [{"name": k, "value": v} for k, v in parse_qsl(url.query)],
            "cookies": [],
            "headersSize": -1,
            "bodySize": len(request.content),
        },
        "response": {
            "status": response.status_code,
            "statusText": response.reason_phrase,
            "httpVersion": "HTTP/1.1",
            "headers": _headers(response.headers),
            "cookies": [],
            "content": {
                "size": len(response.content),
                "mimeType": response.headers.get("content-type", ""),
                "text": response.text,
            },
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": len(response.content),
        },
        "cache": {},
        "timings": {"send": 0, "wait": response.elapsed.total_seconds() * 1000, "receive": 0},
    }
    if request.content:
        entry["request"]["postData"] = {
            "mimeType": request.headers.get("content-type", ""),
            "text": request.content.decode(),
        }
    return entry


def _access_line(recorded: Recorded) -> str:
    request, response = recorded.request, recorded.response
    target = request.url.raw_path.decode()
    when = recorded.started.strftime("%d/%b/%Y:%H:%M:%S +0000")
    agent = request.headers.get("user-agent", "-")
    return (
        f'127.0.0.1 - - [{when}] "{request.method} {target} HTTP/1.1" '
        f'{response.status_code} {len(response.content)} "-" "{agent}"'
    )


def _event(recorded: Recorded) -> AuditEvent:
    request, response = recorded.request, recorded.response
    return AuditEvent(
        ts=recorded.started.isoformat().replace("+00:00", "Z"),
        kind="request",
        request_id=str(uuid.uuid4()),
        method=request.method,
        path=request.url.path,
        client="127.0.0.1",
        outcome="allowed",
        status=response.status_code,
        latency_ms=response.elapsed.total_seconds() * 1000,
        query=tuple(dict.fromkeys(k for k, _ in parse_qsl(request.url.query.decode()))),
        request_content_type=request.headers.get("content-type"),
        response_content_type=response.headers.get("content-type"),
    )


def _login(client: httpx.Client, username: str, password: str) -> dict[str, str]:
    answer = client.post("/api/v2/auth/login", json={"username": username, "password": password})
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def drive(base_url: str, recorder: Recorder) -> None:
    """A morning at the bank: customers, staff, a legacy client and someone poking around."""
    with httpx.Client(base_url=base_url, event_hooks=recorder.hooks(), timeout=10) as client:
        alice = _login(client, "alice", "alice-wonderland-2026")
        admin = _login(client, "admin", "admin-root-2026")
        token = client.post(
            "/api/v2/auth/token",
            data={"grant_type": "password", "username": "bob", "password": "bob-builder-2026"},
        )
        bob = {"Authorization": f"Bearer {token.json()['access_token']}"}
        client.post(
            "/api/v2/auth/register",
            json={"username": "zoe", "password": "zoe-zebra-2026", "email": "zoe@example.org"},
        )
        client.get("/api/v2/me", headers=alice)
        client.patch("/api/v2/me", headers=alice, json={"full_name": "Alice L."})
        client.get("/api/v2/accounts", headers=alice)
        for account in (1001, 1002):
            client.get(f"/api/v2/accounts/{account}", headers=alice)
        for account in (1003, 1004):
            client.get(f"/api/v2/accounts/{account}", headers=bob)
        sent = client.post(
            "/api/v2/transfers",
            headers=alice,
            json={"from_account_id": 1001, "to_account_id": 1003, "amount": 12.5, "memo": "lunch"},
        )
        transfers = client.get("/api/v2/transfers", headers=alice, params={"limit": 5}).json()
        for transfer_id in {sent.json()["id"], *(t["id"] for t in transfers[:2])}:
            client.get(f"/api/v2/transfers/{transfer_id}", headers=alice)
        client.get("/api/v2/transfers/search", headers=alice, params={"q": "rent"})
        client.get("/api/v2/cards", headers=alice)
        # Card references are names: enumerating them is the BOLA the bank has.
        for owner in USERS:
            client.get(f"/api/v2/cards/{owner}-visa", headers=alice)
        client.get("/api/v2/exchange-rates/USD")
        client.get("/api/v2/promo-codes/WELCOME50", headers=alice)
        client.get("/api/v2/admin/users", headers=admin)
        # A legacy mobile app still on version 1.
        client.get("/api/v1/accounts/1001")
        for username in ("alice", "bob"):
            client.get(f"/api/v1/users/{username}")
        # Someone who knows where to look.
        client.get("/api/v2/debug/config")
        client.get("/api/v2/internal/users/export")
        client.get("/api/v2/backup.zip")
