"""Context.finding names documented operations by their key and undocumented ones by a string."""

from __future__ import annotations

import asyncio

import pytest

from apiward.core.findings import Severity
from apiward.scan.canary import Canary
from apiward.scan.context import Context
from apiward.scan.harvest import Harvest
from apiward.scan.sessions import Sessions
from apiward.scan.synthesis import Synthesizer
from apiward.scan.transport import Transport
from apiward.spec import Api, Operation


class _Check:
    id = "probe"
    owasp = "API9:2023"
    cwe = "CWE-1059"
    remediation = "Retire it."


async def _context() -> tuple[Context, Transport]:
    api = Api(title="t", version="1", spec_version="3.1.0", source="t")
    transport = Transport("http://127.0.0.1:9")
    synthesizer = Synthesizer(api, url="http://127.0.0.1:9/canary")
    ctx = Context(
        api=api,
        sessions=Sessions(transport, ()),
        synthesizer=synthesizer,
        harvest=Harvest(synthesizer),
        canary=Canary(),
    )
    return ctx, transport


@pytest.mark.parametrize(
    ("operation", "expected"),
    [
        (Operation(method="GET", path="/v2/users"), "GET /v2/users"),
        ("GET /v2/internal/users/export", "GET /v2/internal/users/export"),
    ],
    ids=["documented", "undocumented"],
)
def test_finding_names_its_operation(operation: Operation | str, expected: str) -> None:
    """An Operation is named by its key; a string (an endpoint not in the contract) as given."""

    async def build() -> str | None:
        ctx, transport = await _context()
        finding = ctx.finding(
            _Check(), operation, title="t", severity=Severity.LOW, detail="d", evidence=[]
        )
        await transport.close()
        return finding.operation

    assert asyncio.run(build()) == expected
