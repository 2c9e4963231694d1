"""Slow answers: a time budget per operation (504) and a cap on unbounded strings.

The upstream is a small Starlette catalogue in a process of its own: its SKU check
is a backtracking regex that runs for minutes on 30 characters and holds the GIL
while it does (ReDoS), so it must not share the test's interpreter. The guard runs
in front of it as a gateway on a real uvicorn server; the middleware form is tested
with an async app that sleeps.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from apiward.core.errors import ConfigError
from apiward.guard import AuditPolicy, DeadlinePolicy, Guard, Policy, ValidatePolicy
from apiward.guard.gateway import Gateway
from apiward.guard.strcap import cap_strings
from apiward.spec import Api, load

CONTRACT = """
openapi: 3.1.0
info: {title: catalogue, version: "3"}
paths:
  /products:
    get:
      operationId: findProducts
      parameters: [{name: sku, in: query, required: true, schema: {type: string}}]
      responses: {"200": {description: matches}}
  /reviews:
    post:
      operationId: addReview
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [sku, text]
              properties:
                sku: {type: string}
                text: {type: string, maxLength: 2000}
      responses: {"201": {description: stored}}
"""
UPSTREAM = """
import re
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

SKU = re.compile(r"^([A-Z0-9]+-?)+$")  # nested quantifiers: exponential on a near-miss

async def products(request):
    ok = SKU.match(request.query_params["sku"]) is not None
    return JSONResponse({"valid": ok, "items": []})

async def reviews(request):
    body = await request.json()
    return JSONResponse({"valid": SKU.match(body["sku"]) is not None}, status_code=201)

app = Starlette(routes=[Route("/products", products), Route("/reviews", reviews, methods=["POST"])])
"""
SLOW_SKU = "A" * 30 + "!"  # minutes of backtracking in the upstream


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def upstream(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The catalogue on uvicorn in a process of its own per test (killed, busy or not)."""
    folder = tmp_path_factory.mktemp("catalogue")
    (folder / "catalogue.py").write_text(UPSTREAM)
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", "catalogue:app", "--port", str(port)]
    process = subprocess.Popen(
        [*command, "--host", "127.0.0.1", "--log-level", "warning"], cwd=folder
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/products", params={"sku": "AB-1"}, timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the catalogue did not start") from None
                time.sleep(0.1)
        yield url
    finally:
        process.kill()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Api:
    path = tmp_path_factory.mktemp("contract") / "catalogue.yaml"
    path.write_text(CONTRACT)
    return load(path)


def _events(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_an_answer_outlasting_its_budget_is_a_504_and_an_audit_event(
    serve: Callable[[Any], Any], upstream: str, api: Api, tmp_path: Path
) -> None:
    policy = Policy(
        deadline=DeadlinePolicy(enabled=True, seconds=30, operations={"GET /products": 1.0}),
        audit=AuditPolicy(sink=str(tmp_path / "audit.jsonl")),
    )
    guard = serve(Guard(Gateway(upstream), policy=policy, api=api))
    with httpx.Client(base_url=guard.url, timeout=20) as http:
        fine = http.get("/products", params={"sku": "AB-12"})
        slow = http.get("/products", params={"sku": SLOW_SKU})
    assert fine.status_code == 200
    assert slow.status_code == 504
    assert slow.headers["content-type"] == "application/problem+json"
    assert slow.json()["type"] == "https://apiward.dev/problems/deadline.exceeded"
    decisions = [e for e in _events(tmp_path / "audit.jsonl") if e["kind"] == "decision"]
    assert [(e["reason"], e["route"]) for e in decisions] == [("deadline.exceeded", "/products")]


def test_the_string_cap_refuses_the_slow_input_before_the_app_sees_it(
    serve: Callable[[Any], Any], upstream: str, api: Api
) -> None:
    policy = Policy(validate=ValidatePolicy(max_string_length=24))
    guard = serve(Guard(Gateway(upstream), policy=policy, api=api))
    with httpx.Client(base_url=guard.url, timeout=20) as http:
        query = http.get("/products", params={"sku": SLOW_SKU})
        body = http.post("/reviews", json={"sku": SLOW_SKU, "text": "fine"})
        # text declares maxLength 2000: the contract's own bound wins over the cap
        long_text = http.post("/reviews", json={"sku": "AB-12", "text": "good pen. " * 150})
    assert (query.status_code, query.json()["field"]) == (422, "query/sku")
    assert query.json()["type"] == "https://apiward.dev/problems/validate.invalid"
    assert (body.status_code, body.json()["field"]) == (422, "body/sku")
    assert long_text.status_code == 201


async def _sleepy(request: Request) -> JSONResponse:
    await asyncio.sleep(float(request.query_params["sku"]))
    return JSONResponse({"items": []})


async def _own_timeout(request: Request) -> JSONResponse:
    raise TimeoutError("the app's own database timeout")


def test_as_middleware_an_awaiting_app_is_cancelled_at_its_budget(
    serve: Callable[[Any], Any], api: Api
) -> None:
    app = Starlette(routes=[Route("/products", _sleepy)])
    policy = Policy(deadline=DeadlinePolicy(enabled=True, seconds=0.5))
    guard = serve(Guard(app, policy=policy, api=api))
    with httpx.Client(base_url=guard.url, timeout=20) as http:
        assert http.get("/products", params={"sku": "0"}).status_code == 200
        assert http.get("/products", params={"sku": "60"}).status_code == 504


def test_the_apps_own_timeout_error_is_not_taken_for_the_budget(
    serve: Callable[[Any], Any], api: Api
) -> None:
    app = Starlette(routes=[Route("/products", _own_timeout)])
    policy = Policy(deadline=DeadlinePolicy(enabled=True, seconds=5))
    guard = serve(Guard(app, policy=policy, api=api))
    with httpx.Client(base_url=guard.url, timeout=20) as http:
        assert http.get("/products", params={"sku": "1"}).status_code == 500


def test_the_stage_is_off_unless_switched_on(api: Api) -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None: ...

    assert Guard(app, policy=Policy(), api=api).app is app


def test_a_budget_for_an_operation_the_api_lacks_is_a_config_error(api: Api) -> None:
    policy = Policy(deadline=DeadlinePolicy(enabled=True, operations={"GET /product": 1.0}))
    with pytest.raises(ConfigError, match="not an operation"):
        Guard(Gateway("http://127.0.0.1:9"), policy=policy, api=api)


def test_the_cap_reaches_strings_under_refs_and_leaves_values_alone() -> None:
    schema = {
        "type": "object",
        "properties": {"a": {"$ref": "#/$defs/Name"}, "enum": {"type": ["string", "null"]}},
        "$defs": {
            "Name": {"type": "string", "enum": ["x"]},
            "Code": {"type": "string", "maxLength": 3},
        },
    }
    capped = cap_strings(schema, 64)
    assert capped["$defs"]["Name"] == {"type": "string", "enum": ["x"], "maxLength": 64}
    assert capped["$defs"]["Code"]["maxLength"] == 3
    assert capped["properties"]["enum"]["maxLength"] == 64
    assert "maxLength" not in capped


def test_the_policy_file_takes_the_new_keys(tmp_path: Path) -> None:
    path = tmp_path / "apiward.yaml"
    path.write_text(
        "deadline: {enabled: true, seconds: 2.5, operations: {'GET /products': 0.5}}\n"
        "validate: {max_string_length: 256}\n"
    )
    policy = Policy.load(path)
    assert policy.deadline.operations == {"GET /products": 0.5}
    assert policy.validate.max_string_length == 256
    path.write_text("deadline: {seconds: 0}\n")
    with pytest.raises(ConfigError):
        Policy.load(path)
