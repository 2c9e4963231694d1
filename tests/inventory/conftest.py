"""Small traffic files and a small contract, built in each test's folder."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from apiward.core.events import GENESIS, AuditEvent
from apiward.spec import Api, load

CONTRACT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "shop", "version": "2"},
    "servers": [{"url": "https://shop.example/api"}],
    "paths": {
        "/v2/users/{user_id}": {
            "get": {
                "responses": {
                    "200": {
                        "description": "a user",
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "email": {"type": "string", "format": "email"},
                                        "ssn": {"type": "string"},
                                        "nickname": {"type": "string"},
                                    },
                                }
                            }
                        },
                    }
                }
            }
        },
        "/v2/users/search": {
            "get": {
                "parameters": [{"name": "api_key", "in": "query", "schema": {"type": "string"}}],
                "responses": {"200": {"description": "hits"}},
            }
        },
        "/v2/orders": {"get": {"responses": {"200": {"description": "orders"}}}},
        "/v1/orders": {"get": {"deprecated": True, "responses": {"200": {"description": "old"}}}},
    },
}


@pytest.fixture
def contract(tmp_path: Path) -> Api:
    """The shop contract: users by id, a search, orders in v2 and deprecated v1."""
    path = tmp_path / "shop.json"
    path.write_text(json.dumps(CONTRACT))
    return load(path)


def audit_lines(*requests: dict[str, Any]) -> str:
    """A hash-chained audit log with one request event per dict (AuditEvent fields)."""
    lines, previous = [], GENESIS
    for number, fields in enumerate(requests):
        values: dict[str, Any] = {
            "ts": f"2026-11-29T06:00:{number:02d}Z",
            "kind": "request",
            "request_id": f"r{number}",
            "method": "GET",
            "client": "127.0.0.1",
            "outcome": "allowed",
            "status": 200,
            **fields,
        }
        event = AuditEvent(**values).chained(previous)
        previous = event.hash
        lines.append(event.to_json().decode())
    return "\n".join(lines) + "\n"


def har_document(*entries: dict[str, Any]) -> str:
    """A HAR 1.2 document; each dict gives method, url, status and optional bodies."""
    built = []
    for entry in entries:
        request: dict[str, Any] = {"method": entry.get("method", "GET"), "url": entry["url"]}
        if "request" in entry:
            request["postData"] = {"mimeType": "application/json", "text": entry["request"]}
        content: dict[str, Any] = {"mimeType": entry.get("mime", "application/json")}
        if "response" in entry:
            content["text"] = entry["response"]
        built.append(
            {
                "startedDateTime": "2026-11-29T06:00:00.000Z",
                "request": {**request, "headers": [], "queryString": []},
                "response": {"status": entry.get("status", 200), "headers": [], "content": content},
            }
        )
    return json.dumps({"log": {"version": "1.2", "entries": built}})


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write text to a file in the test's folder; returns its path."""

    def make(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return make
