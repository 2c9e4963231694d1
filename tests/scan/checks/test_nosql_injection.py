"""nosql_injection on tiny apps: a login matching a Mongo-like filter, a query-string filter; silent when typed."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from injection_support import found, scan_app
from pydantic import BaseModel

from apiward.core.findings import Confidence
from apiward.scan.checks.nosql_injection import NoSqlInjection

USERS = [{"username": "ada", "password": "s3cret"}, {"username": "bob", "password": "hunter2"}]


def _matches(value: Any, wanted: Any) -> bool:
    """A Mongo-like matcher: a plain value, or {"$ne"|"$eq"|"$gt": x}."""
    if isinstance(wanted, dict):
        [(operator, operand)] = wanted.items()
        if operator == "$ne":
            return bool(value != operand)
        if operator == "$gt":
            return bool(value > operand)
        return bool(value == operand)
    return bool(value == wanted)


class Login(BaseModel):
    """Typed credentials."""

    username: str
    password: str


def _app(*, typed: bool) -> FastAPI:
    app = FastAPI()

    if typed:

        @app.post("/login")
        async def login_typed(body: Login) -> dict[str, str]:
            return await _login(body.model_dump())

    else:

        @app.post(
            "/login",
            openapi_extra={
                "requestBody": {
                    "content": {"application/json": {"schema": Login.model_json_schema()}}
                }
            },
        )
        async def login_raw(request: Request) -> dict[str, str]:
            return await _login(await request.json())

    @app.get("/users")
    async def users(request: Request, username: str = "") -> list[str]:
        wanted: Any = username
        for key, value in request.query_params.items():
            if key.startswith("username[") and not typed:
                wanted = {key[len("username[") : -1]: value}
        return [u["username"] for u in USERS if _matches(u["username"], wanted)]

    return app


async def _login(body: dict[str, Any]) -> dict[str, str]:
    for user in USERS:
        if _matches(user["username"], body.get("username")) and _matches(
            user["password"], body.get("password")
        ):
            return {"token": "t-" + user["username"]}
    raise HTTPException(401, "wrong username or password")


def test_operator_in_json_login_found() -> None:
    """{"$ne": x} as a password logs in where {"$eq": x} does not: confirmed."""
    results = scan_app(_app(typed=False), [NoSqlInjection()])
    logins = [f for f in found(results, "nosql_injection") if f.operation == "POST /login"]
    assert logins
    assert logins[0].confidence is Confidence.CONFIRMED


def test_operator_in_query_key_found() -> None:
    """username[$ne]=x widens a listing that username[$eq]=x leaves empty."""
    results = scan_app(_app(typed=False), [NoSqlInjection()])
    keys = [f.key for f in found(results, "nosql_injection") if f.operation == "GET /users"]
    assert keys == ["query:username"]


def test_silent_when_types_are_validated() -> None:
    """An app that takes strings only refuses operators: no finding."""
    results = scan_app(_app(typed=True), [NoSqlInjection()])
    assert results.findings == []
    assert results.errors == []
