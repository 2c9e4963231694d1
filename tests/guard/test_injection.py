"""Injection signatures on strings the contract leaves free: attacks refused, people let through.

The app is a small Starlette notes service whose contract declares its search term,
file name and note text as plain strings, as most contracts do.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from apiward.core.errors import ConfigError
from apiward.guard import Guard, InjectionPolicy, Policy
from apiward.spec import Api, load

CONTRACT = """
openapi: 3.0.3
info: {title: field notes, version: "0.9"}
paths:
  /notes:
    get:
      operationId: searchNotes
      parameters: [{name: q, in: query, schema: {type: string}}]
      responses: {"200": {description: notes}}
    post:
      operationId: addNote
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                author: {type: string}
                text: {type: string}
                snippet: {type: string}
                password: {type: string}
                tags: {type: array, items: {type: string}}
      responses: {"201": {description: stored}}
  /files/{name}:
    get:
      operationId: getFile
      parameters: [{name: name, in: path, required: true, schema: {type: string}}]
      responses: {"200": {description: the file}}
"""


async def search(request: Request) -> JSONResponse:
    return JSONResponse({"q": request.query_params.get("q")})


async def add(request: Request) -> JSONResponse:
    return JSONResponse(await request.json(), status_code=201)


async def file(request: Request) -> JSONResponse:
    return JSONResponse({"name": request.path_params["name"]})


APP = Starlette(
    routes=[
        Route("/notes", search),
        Route("/notes", add, methods=["POST"]),
        Route("/files/{name:path}", file),
    ]
)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Api:
    path = tmp_path_factory.mktemp("contract") / "notes.yaml"
    path.write_text(CONTRACT)
    return load(path)


@pytest.fixture
def http(serve: Callable[[Any], Any], api: Api) -> Any:
    skip = {"POST /notes": ("/snippet",)}
    policy = Policy(injection=InjectionPolicy(enabled=True, skip=skip))
    with httpx.Client(base_url=serve(Guard(APP, policy=policy, api=api)).url, timeout=20) as client:
        yield client


@pytest.mark.parametrize(
    ("method", "path", "kwargs", "field"),
    [
        (
            "GET",
            "/notes",
            {"params": {"q": "' UNION SELECT username, password FROM users --"}},
            "query/q",
        ),
        ("POST", "/notes", {"json": {"text": "{{config.items()}}"}}, "body/text"),
        ("POST", "/notes", {"json": {"tags": ["ok", "1' OR '1'='1' -- -"]}}, "body/tags/1"),
        ("GET", "/notes", {"params": {"q": "....//....//etc/passwd"}}, "query/q"),
        ("GET", "/files/%24%7B7*7%7D.txt", {}, "path/name"),
    ],
)
def test_signatures_refuse_attacks_in_free_strings(
    http: httpx.Client, method: str, path: str, kwargs: dict[str, Any], field: str
) -> None:
    answer = http.request(method, path, **kwargs)
    assert answer.status_code == 422
    assert answer.json()["type"] == "https://apiward.dev/problems/injection.signature"
    assert answer.json()["field"] == field


def test_names_prose_secrets_and_skipped_fields_pass(http: httpx.Client) -> None:
    note = {
        "author": "Siobhán O'Brien",
        "text": "Select the 'Union' plan or the cheaper one; it's 5 o'clock -- don't wait.",
        "snippet": "Hello {{ name }}, see ../README",
        "password": "' OR ''='",
        "tags": ["d'Arcy", "rock 'n' roll"],
    }
    assert http.post("/notes", json=note).status_code == 201
    assert http.get("/notes", params={"q": "O'Neill's pub"}).status_code == 200
    assert http.get("/files/report-2024.pdf").status_code == 200


def test_the_stage_is_off_by_default(serve: Callable[[Any], Any], api: Api) -> None:
    guard = serve(Guard(APP, policy=Policy(), api=api))
    answer = httpx.get(f"{guard.url}/notes", params={"q": "' OR '1'='1"}, timeout=20)
    assert answer.status_code == 200


def test_signatures_are_words_of_the_policy(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'SQL' is not one of"):
        InjectionPolicy(signatures=("SQL",))  # type: ignore[arg-type]
    path = tmp_path / "apiward.yaml"
    path.write_text("injection: {enabled: true, signatures: [sql], skip: {'POST /x': ['/code']}}\n")
    policy = Policy.load(path)
    assert policy.injection.signatures == ("sql",)
    path.write_text("injection: {signatures: [xss]}\n")
    with pytest.raises(ConfigError):
        Policy.load(path)
