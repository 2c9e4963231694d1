"""What hostile input may cost: a deadline per request, a bound per answer, linear steps.

A scan against a server that never stops sending ends, says in its report which answers
it cut; a contract fetched from a URL reads no local file; and a per-answer step (harvesting a 100,000-item listing, the contract walker
on shared YAML structure) takes time in proportion to the answer, not its square.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from servers import HostileServer
from starlette.applications import Starlette
from starlette.requests import Request as StarletteRequest
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from apiward.audit.contract.walk import direct_refs
from apiward.cli.app import main
from apiward.core.errors import TargetError
from apiward.core.findings import Exchange, RecordedRequest, RecordedResponse
from apiward.scan.harvest import Harvest
from apiward.scan.request import Request
from apiward.scan.synthesis import Synthesizer
from apiward.scan.transport import Reply, Transport
from apiward.spec import load


@pytest.mark.timeout(120)
def test_a_scan_of_a_server_that_never_stops_sending_ends_and_says_what_it_cut(
    inputs: dict[str, Path],
    servers: dict[str, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Every answer is read up to --max-answer-bytes; the report's notes name the cut ones."""
    out = tmp_path / "scan.json"
    argv = ["scan", "--spec", str(inputs["spec.yaml"]), "--target", servers["huge"]]
    with pytest.raises(SystemExit) as ended:
        main([*argv, "--max-answer-bytes", "65536", "--json", str(out)])
    assert ended.value.code == 0, capsys.readouterr().err
    notes = json.loads(out.read_text())["notes"]
    assert any("longer than 65536 bytes" in note and "GET /orders" in note for note in notes)


@pytest.mark.timeout(60)
def test_the_deadline_is_for_the_whole_answer_not_each_read() -> None:
    """A body trickled a byte every 0.2 s fails the request at its 1 s deadline."""
    server = HostileServer("trickle")
    try:
        with pytest.raises(TargetError, match="no whole answer within 1 s"):
            asyncio.run(_send(server.url, timeout=1.0))
    finally:
        server.close()


@pytest.mark.timeout(60)
def test_an_answer_is_read_up_to_its_bound() -> None:
    """The reply holds the bound's worth of text, says it was cut, and the transport counts it."""
    server = HostileServer("huge")
    try:
        reply, notes = asyncio.run(_send_noting(server.url, max_answer=10_000))
    finally:
        server.close()
    assert reply.cut
    assert len(reply.text) == 10_000
    assert notes == [
        "GET /: 1 answer(s) longer than 10000 bytes were read only up to that bound (--max-answer-bytes)"
    ]


async def _send(url: str, *, timeout: float) -> Reply:
    transport = Transport(url, timeout=timeout)
    try:
        return await transport.send(Request(method="GET", path="/", operation="GET /"))
    finally:
        await transport.close()


async def _send_noting(url: str, *, max_answer: int) -> tuple[Reply, list[str]]:
    transport = Transport(url, max_answer=max_answer)
    try:
        reply = await transport.send(Request(method="GET", path="/", operation="GET /"))
        return reply, transport.cut_notes()
    finally:
        await transport.close()


@pytest.mark.timeout(120)
def test_harvesting_a_50000_item_listing_is_linear(inputs: dict[str, Path]) -> None:
    """Every item is recorded once; a list membership test made this hours, not seconds."""
    api = load(str(inputs["spec.yaml"]))
    listing = next(op for op in api.operations if op.path == "/orders")
    harvest = Harvest(Synthesizer(api, url="http://127.0.0.1:9/canary"))
    items = [{"order_id": i, "label": f"order {i}"} for i in range(50_000)]
    reply = _json_reply(items)
    found = harvest.record(None, listing, reply)
    found += harvest.record(None, listing, reply)  # seen again: no new sighting
    assert len(harvest.sightings) == 50_000
    assert len(found) == 100_000


def _json_reply(data: object) -> Reply:
    text = json.dumps(data)
    exchange = Exchange(
        request=RecordedRequest(method="GET", url="http://127.0.0.1/orders"),
        response=RecordedResponse(status=200, body=text[:100]),
    )
    sent = Request(method="GET", path="/orders", operation="GET /orders")
    return Reply(exchange=exchange, status=200, text=text, headers=(), sent=sent)


@pytest.mark.timeout(60)
def test_the_contract_walker_reads_shared_structure_once() -> None:
    """Ten levels of ten shared lists (10^10 leaves by expansion) hold one $ref, found at once."""
    level: object = [{"$ref": "#/$defs/Leaf"}] * 10
    for _ in range(10):
        level = [level] * 10
    assert direct_refs({"enum": level}) == ("Leaf",)  # expanding it would take hours


def test_a_fetched_contract_cannot_read_local_files(
    serve: Callable[[Any], Any], capsys: pytest.CaptureFixture[str]
) -> None:
    """`spec show URL` whose contract has ``$ref: file:///etc/passwd``: refused, said on stderr."""

    async def sneaky(request: StarletteRequest) -> PlainTextResponse:
        return PlainTextResponse(
            "openapi: 3.0.0\ninfo: {title: t, version: '1'}\npaths: {}\n"
            "components: {schemas: {P: {$ref: 'file:///etc/passwd'}}}\n"
        )

    server = serve(Starlette(routes=[Route("/openapi.yaml", sneaky)]))
    with pytest.raises(SystemExit) as ended:
        main(["spec", "show", f"{server.url}/openapi.yaml", "--allow-private"])
    out, err = capsys.readouterr()
    assert ended.value.code == 0
    assert "a remote document may only reference http(s)" in err
    assert "root:" not in out + err
