"""template_injection on tiny apps: a ${a*b} engine behind a query parameter; silent when echoed."""

from __future__ import annotations

import re

from fastapi import FastAPI
from injection_support import found, scan_app

from apiward.core.findings import Confidence
from apiward.scan.checks.template_injection import TemplateInjection

_EXPRESSION = re.compile(r"\$\{(\d+)\*(\d+)\}")


def _app(*, evaluates: bool) -> FastAPI:
    app = FastAPI()

    @app.get("/greeting")
    async def greeting(salutation: str) -> dict[str, str]:
        # A stand-in for an engine with ${…} syntax: it evaluates products, nothing else.
        text = f"{salutation}, dear customer"
        if evaluates:
            text = _EXPRESSION.sub(lambda m: str(int(m[1]) * int(m[2])), text)
        return {"text": text}

    return app


def test_dollar_brace_engine_found() -> None:
    """A product computed from ${a*b} in a query parameter is a confirmed finding."""
    results = scan_app(_app(evaluates=True), [TemplateInjection()])
    [finding] = found(results, "template_injection")
    assert finding.key == "query:salutation"
    assert "${ }" in finding.title
    assert finding.confidence is Confidence.CONFIRMED


def test_silent_when_the_template_is_echoed() -> None:
    """Repeating the expression as text (not computing it) is not a finding."""
    results = scan_app(_app(evaluates=False), [TemplateInjection()])
    assert results.findings == []
