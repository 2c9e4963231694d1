"""slow_input: a sign-up whose e-mail check backtracks exponentially (ReDoS)."""

import asyncio
import re
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from apiward.core.findings import Severity
from apiward.core.registry import Registry
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.checks.slow_input import SlowInput
from apiward.spec import load
from serving import serving

# Nested quantifiers, as found in many copied e-mail validators.
CARELESS = re.compile(r"^([a-zA-Z0-9]+\.?)+@([a-zA-Z0-9]+\.)+[a-zA-Z]{2,}$")
CAREFUL = re.compile(r"^[^@\s]{1,64}@[a-z0-9-]{1,63}(\.[a-z0-9-]{1,63}){1,4}$")
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "newsletter", "version": "1.0"},
    "paths": {
        "/subscribers": {
            "post": {
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "email": {"type": "string", "format": "email"},
                                    "name": {"type": "string"},
                                },
                            }
                        }
                    }
                },
                "responses": {"201": {"description": "subscribed"}, "400": {"description": "no"}},
            }
        }
    },
}


def _newsletter(pattern: re.Pattern[str]) -> Starlette:
    async def subscribe(request: Request) -> Response:
        email = str((await request.json()).get("email", ""))
        if (len(email) > 254 and pattern is CAREFUL) or not pattern.match(email):
            return JSONResponse({"error": "invalid email"}, status_code=400)
        return JSONResponse({"subscribed": email}, status_code=201)

    async def contract(_: Request) -> Response:
        return JSONResponse(SPEC)

    routes = [Route("/openapi.json", contract), Route("/subscribers", subscribe, methods=["POST"])]
    return Starlette(routes=routes)


def _scan(web: Starlette) -> Results:
    """--aggressive: nothing unsubscribes anyone, so a default scan subscribes no one."""
    with serving(web) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        checks = Registry[AnyCheck]("check", [("slow_input", SlowInput())])
        return asyncio.run(scan(api, ScanConfig(target=url, aggressive=True), checks))


def test_an_exponential_email_check_is_found() -> None:
    """Times that quadruple every two characters, slow again when resent: medium CWE-1333."""
    results = _scan(_newsletter(CARELESS))
    [finding] = results.findings
    assert (finding.operation, finding.key) == ("POST /subscribers", "body:email")
    assert (finding.severity, finding.cwe) == (Severity.MEDIUM, "CWE-1333")


def test_silent_on_a_linear_email_check() -> None:
    """A bounded, linear pattern answers every length at once: nothing."""
    results = _scan(_newsletter(CAREFUL))
    assert results.findings == []
    assert results.errors == []


# A title rule the contract does not state: words separated by single spaces.
WORDY = re.compile(r"^(\w+\s?)*$")
PLAIN = re.compile(r"^[\w ]{1,25}$")
EXPENSES: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "expenses", "version": "1.0"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/expenses": {
            "post": {
                "requestBody": {
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {"title": {"type": "string", "maxLength": 25}},
                            }
                        }
                    }
                },
                "responses": {"201": {"description": "filed"}, "400": {"description": "no"}},
            }
        }
    },
}


def _expenses(pattern: re.Pattern[str]) -> Starlette:
    async def file(request: Request) -> Response:
        if request.headers.get("authorization") != "Bearer t-ann":
            return JSONResponse({"error": "log in"}, status_code=401)
        title = str((await request.json()).get("title", ""))
        if len(title) > 25 or not pattern.match(title):
            return JSONResponse({"error": "invalid title"}, status_code=400)
        return JSONResponse({"title": title}, status_code=201)

    async def contract(_: Request) -> Response:
        return JSONResponse(EXPENSES)

    routes = [Route("/openapi.json", contract), Route("/expenses", file, methods=["POST"])]
    return Starlette(routes=routes)


def test_a_free_string_the_api_evidently_parses_is_timed_too() -> None:
    """No pattern in the contract, but a '!' is refused naming the title: the title is tried.

    --aggressive: nothing deletes an expense, so a default scan files none.
    """
    ann = Identity(name="ann", headers={"Authorization": "Bearer t-ann"})
    for pattern, expected in ((WORDY, ["body:title"]), (PLAIN, [])):
        with serving(_expenses(pattern)) as url:
            api = load(f"{url}/openapi.json", allow_private=True)
            checks = Registry[AnyCheck]("check", [("slow_input", SlowInput())])
            config = ScanConfig(target=url, identities=(ann,), aggressive=True)
            results = asyncio.run(scan(api, config, checks))
        assert [f.key for f in results.findings] == expected, pattern.pattern
