"""A gateway whose upstream does not answer says so: 502 ``gateway.upstream-unavailable``.

The guard hides the API's own 5xx bodies behind a generic ``response.upstream-error``; it
used to hide its own 502 the same way (a body saying 500, "Internal server error"), and
the audit event called the request allowed with no reason. A new user who gave the wrong
upstream port could not tell what was wrong.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson

from apiward.guard import AuditPolicy, Guard, Policy
from apiward.guard.gateway import Gateway
from apiward.spec import load

CONTRACT = """\
openapi: 3.0.3
info: {title: shop, version: "1"}
paths:
  /products:
    get:
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: array}}}}
"""


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again when the block ends: nothing listens


def test_an_unreachable_upstream_is_a_502_the_guard_names_and_logs(
    serve: Callable[..., Any], tmp_path: Path
) -> None:
    """The problem document says 502 and why; the audit event is a refusal with that reason."""
    (tmp_path / "shop.yaml").write_text(CONTRACT)
    audit = tmp_path / "audit.jsonl"
    policy = Policy(audit=AuditPolicy(sink=str(audit)))
    gateway = Gateway(f"http://127.0.0.1:{_closed_port()}", timeout=5)
    front = serve(Guard(gateway, policy=policy, api=load(str(tmp_path / "shop.yaml"))))
    answer = httpx.get(f"{front.url}/products", timeout=10)
    assert answer.status_code == 502
    problem = answer.json()
    assert problem["type"] == "https://apiward.dev/problems/gateway.upstream-unavailable"
    assert problem["status"] == 502
    events = [orjson.loads(line) for line in audit.read_bytes().splitlines()]
    requests = [e for e in events if e.get("kind") == "request"]
    assert [(e["outcome"], e["reason"], e["status"]) for e in requests] == [
        ("refused", "gateway.upstream-unavailable", 502)
    ]
