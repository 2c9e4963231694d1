"""negative_amount: a payment that accepts a negative amount moves money backwards."""

import asyncio
import copy
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tiny_support import IDENTITIES, caller

from apiward.core.findings import Confidence, Severity
from apiward.core.registry import Registry
from apiward.scan import Results, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.checks.negative_amount import NegativeAmount
from apiward.spec import load
from serving import serving

SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "payments", "version": "1.0"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/payments": {
            "post": {
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["payee", "amount"],
                                "properties": {
                                    "payee": {"type": "string", "example": "bob"},
                                    "amount": {"type": "number", "example": 12.5},
                                    "memo": {"type": "string"},
                                },
                            }
                        }
                    }
                },
                "responses": {"201": {"description": "created"}},
            }
        },
        "/balance": {"get": {"responses": {"200": {"description": "the caller's balance"}}}},
    },
}


def _payments(
    *, validates: bool, spec: dict[str, Any] = SPEC
) -> tuple[Starlette, list[dict[str, Any]], dict[str, float]]:
    balances = {"alice": 100.0, "bob": 100.0}
    made: list[dict[str, Any]] = []

    async def pay(request: Request) -> Response:
        who = caller(request)
        if who is None:
            return JSONResponse({"message": "Unauthorized"}, status_code=401)
        body = await request.json()
        amount, payee = float(body["amount"]), str(body["payee"])
        if payee not in balances or (validates and amount <= 0) or amount > balances[who]:
            return JSONResponse({"message": "Invalid payment"}, status_code=400)
        balances[who] -= amount
        balances[payee] += amount
        made.append({"id": len(made) + 1, "from": who, "to": payee, "amount": amount})
        return JSONResponse({"payment": made[-1]}, status_code=201)

    async def balance(request: Request) -> Response:
        who = caller(request)
        if who is None:
            return JSONResponse({"message": "Unauthorized"}, status_code=401)
        return JSONResponse({"name": who, "balance": balances[who]})

    async def contract(_: Request) -> Response:
        return JSONResponse(spec)

    routes = [
        Route("/openapi.json", contract),
        Route("/payments", pay, methods=["POST"]),
        Route("/balance", balance),
    ]
    return Starlette(routes=routes), made, balances


def _scan(web: Starlette) -> Results:
    """--aggressive: nothing deletes a payment, so a default scan makes none."""
    with serving(web) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        checks = Registry[AnyCheck]("check", [("negative_amount", NegativeAmount())])
        config = ScanConfig(target=url, identities=IDENTITIES, aggressive=True)
        return asyncio.run(scan(api, config, checks))


def test_a_negative_payment_is_found_and_undoes_its_own_control() -> None:
    """-12.5 is accepted and shown in the answer: high, confirmed; it is the control negated."""
    web, made, balances = _payments(validates=False)
    results = _scan(web)
    [finding] = results.findings
    assert (finding.operation, finding.key) == ("POST /payments", "body:amount")
    assert (finding.severity, finding.confidence) == (Severity.HIGH, Confidence.CONFIRMED)
    assert finding.cwe == "CWE-1284"
    alices = [p["amount"] for p in made if p["from"] == "alice"]
    assert -12.5 in alices
    assert 12.5 in alices
    assert balances == {"alice": 100.0, "bob": 100.0}


def test_silent_when_the_amount_must_be_positive() -> None:
    """The twin that refuses amounts <= 0 gives nothing; the payee (bob, from his /balance) pays back."""
    web, _, balances = _payments(validates=True)
    results = _scan(web)
    assert results.findings == []
    assert results.errors == []
    assert balances == {"alice": 100.0, "bob": 100.0}


def test_a_nullable_amount_is_probed_too() -> None:
    """``amount: {type: number, nullable: true}`` (3.0) is a numeric field: found, no scan error."""
    spec = copy.deepcopy(SPEC)
    body = spec["paths"]["/payments"]["post"]["requestBody"]["content"]["application/json"]
    body["schema"]["properties"]["amount"]["nullable"] = True
    web, _, balances = _payments(validates=False, spec=spec)
    results = _scan(web)
    assert results.errors == []
    assert [(f.operation, f.key) for f in results.findings] == [("POST /payments", "body:amount")]
    assert balances == {"alice": 100.0, "bob": 100.0}
