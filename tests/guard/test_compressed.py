"""Compressed answers are filtered like plain ones, or refused: never passed on unread.

The upstream is a Starlette app of its own (a lending library, not the bank) behind
Starlette's GZipMiddleware on real uvicorn servers, with the guard as a gateway in
front of it and as middleware around it; a raw ASGI app sends the codings GZip does
not (br, deflate, an unknown token, a corrupt stream, a bomb).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import brotli
import httpx
import orjson
import pytest
from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from apiward.guard import AuditPolicy, Guard, Policy, ResponsePolicy
from apiward.guard.gateway import Gateway
from apiward.spec import Api, load

CONTRACT = """
openapi: 3.0.3
info: {title: lending library, version: "2.1"}
paths:
  /members/{handle}:
    get:
      operationId: getMember
      parameters: [{name: handle, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: a member
          content:
            application/json:
              schema:
                type: object
                properties:
                  handle: {type: string}
                  display_name: {type: string}
                  loans: {type: array, items: {type: string}}
"""
MEMBER = {
    "handle": "ada",
    "display_name": "Ada L.",
    "loans": [f"isbn-978-{n:010d}" for n in range(40)],  # long enough for GZip's 500 B floor
    "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
    "librarian_notes": "owes 14.20 in late fees; do not extend",
}
SEEN: list[str | None] = []


async def member(request: Request) -> JSONResponse:
    SEEN.append(request.headers.get("accept-encoding"))
    return JSONResponse({**MEMBER, "handle": request.path_params["handle"]})


def library() -> Any:
    """The library API as its authors would ship it: Starlette with GZip on."""
    return GZipMiddleware(Starlette(routes=[Route("/members/{handle}", member)]))


def raw_answer(body: bytes, coding: bytes) -> Any:
    """An upstream that answers every request with ``body`` under Content-Encoding ``coding``."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        headers = [(b"content-type", b"application/json"), (b"content-encoding", coding)]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


@pytest.fixture
def contract(tmp_path: Path) -> Api:
    path = tmp_path / "library.yaml"
    path.write_text(CONTRACT)
    return load(path)


def guard(app: Any, contract: Api, tmp_path: Path) -> Guard:
    policy = Policy(audit=AuditPolicy(sink=str(tmp_path / "audit.jsonl")))
    return Guard(app, policy=policy, api=contract)


def get(url: str, accept_encoding: str) -> httpx.Response:
    with httpx.Client(trust_env=False) as client:
        return client.get(f"{url}/members/ada", headers={"accept-encoding": accept_encoding})


def undeclared_gone(answer: httpx.Response) -> bool:
    document = answer.json()
    return document["handle"] == "ada" and not {"password_hash", "librarian_notes"} & set(document)


@pytest.mark.parametrize("form", ["gateway", "middleware"])
def test_a_gzip_answer_is_filtered(
    form: str, contract: Api, tmp_path: Path, serve: Callable[[Any], Any]
) -> None:
    """A gzip JSON answer loses its undeclared fields and stays gzip, as gateway and middleware."""
    if form == "gateway":
        upstream = serve(library())
        front = serve(guard(Gateway(upstream.url), contract, tmp_path))
    else:
        front = serve(guard(library(), contract, tmp_path))
    answer = get(front.url, "gzip")
    assert answer.status_code == 200
    assert answer.headers["content-encoding"] == "gzip"
    assert undeclared_gone(answer)


def test_the_gateway_forwards_accept_encoding_as_sent(
    contract: Api, tmp_path: Path, serve: Callable[[Any], Any]
) -> None:
    """The upstream sees the client's Accept-Encoding; the gateway adds none of its own."""
    upstream = serve(library())
    front = serve(guard(Gateway(upstream.url), contract, tmp_path))
    SEEN.clear()
    plain = get(front.url, "identity")
    fancy = get(front.url, "br;q=1.0, gzip;q=0.5")
    assert SEEN == ["identity", "br;q=1.0, gzip;q=0.5"]
    assert "content-encoding" not in plain.headers
    assert undeclared_gone(plain)
    assert undeclared_gone(fancy)


@pytest.mark.parametrize("coding", [b"br", b"deflate", b"gzip, br"], ids=lambda c: c.decode())
def test_every_supported_coding_is_decoded_and_redone(
    coding: bytes, contract: Api, tmp_path: Path, serve: Callable[[Any], Any]
) -> None:
    """br, deflate and stacked codings are decoded, filtered and encoded again."""
    body = orjson.dumps(MEMBER)
    for applied in (c.strip() for c in coding.split(b",")):
        body = {b"br": brotli.compress, b"deflate": zlib.compress}.get(applied, gzip.compress)(body)
    front = serve(guard(raw_answer(body, coding), contract, tmp_path))
    answer = get(front.url, "gzip, deflate, br")
    assert answer.status_code == 200
    assert answer.headers["content-encoding"] == coding.decode()
    assert undeclared_gone(answer)


@pytest.mark.parametrize(
    ("body", "coding"),
    [
        (orjson.dumps(MEMBER), b"zstd"),
        (gzip.compress(orjson.dumps(MEMBER))[:-12], b"gzip"),
        (b"\x1f\x8b\x08\x00not gzip at all", b"gzip"),
        (gzip.compress(b'{"handle": "' + b"a" * (17 << 20) + b'"}'), b"gzip"),
        (gzip.compress(b"handle=ada&password_hash=x"), b"gzip"),
    ],
    ids=["unknown coding", "truncated", "corrupt", "bomb", "not JSON once decoded"],
)
def test_an_answer_that_cannot_be_read_is_refused(
    body: bytes, coding: bytes, contract: Api, tmp_path: Path, serve: Callable[[Any], Any]
) -> None:
    """What the guard cannot decode and parse becomes a 502 problem document, and is audited."""
    front = serve(guard(raw_answer(body, coding), contract, tmp_path))
    answer = get(front.url, "gzip, zstd")
    assert answer.status_code == 502
    assert answer.headers["content-type"] == "application/problem+json"
    assert "content-encoding" not in answer.headers
    assert answer.json()["type"].endswith("/response.uninspectable")
    events = [orjson.loads(line) for line in (tmp_path / "audit.jsonl").read_bytes().splitlines()]
    assert [(e["kind"], e["status"], e["reason"]) for e in events] == [
        ("decision", 502, "response.uninspectable"),
        ("request", 502, "response.uninspectable"),
    ]


def test_the_decoded_size_limit_is_the_policys(
    contract: Api, tmp_path: Path, serve: Callable[[Any], Any]
) -> None:
    """response.max_decoded_bytes bounds how far the guard unpacks an answer."""
    policy = Policy(
        audit=AuditPolicy(sink=str(tmp_path / "audit.jsonl")),
        response=ResponsePolicy(max_decoded_bytes=100),
    )
    front = serve(
        Guard(raw_answer(gzip.compress(orjson.dumps(MEMBER)), b"gzip"), policy=policy, api=contract)
    )
    assert get(front.url, "gzip").status_code == 502
