"""``unsafe_consumption`` (API10): content fetched from a third party, trusted as the API's own.

Where a URL-valued input makes the API fetch (see ``ssrf``), the canary plays the third
party and serves what must not be trusted:

1. an HTML page with a script carrying a random marker. When the API then serves it
   back from its own origin as active content — an answer whose content type is HTML,
   XHTML, SVG or XML and that holds the marker — any script in it runs with the API's
   cookies and origin: stored XSS by proxy (high, confirmed).
2. otherwise, a JSON document with an injected field (random name, random value).
   When the API's own JSON answers (parsed, any depth) then carry that field, it stored
   third-party data without validating its shape (medium, firm). Content served back
   as plain text or as a download is not flagged: it is neither active nor parsed.

"Then" means the answer to the request itself and to the operations that read the
same resource: GET on the same path, on its parent, and on the created object.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip
from apiward.scan.checks._injection import Caller, Input, marker, start
from apiward.scan.checks.ssrf import WAIT, Delivery, deliver, url_inputs
from apiward.scan.context import Context
from apiward.scan.request import Where
from apiward.scan.transport import Reply
from apiward.spec import Operation

ACTIVE = {"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml", "application/xml"}


class UnsafeConsumption:
    """Third-party content served back as the API's own, or stored unvalidated."""

    id = "unsafe_consumption"
    title = "Unsafe consumption of third-party content"
    owasp = "API10:2023"
    cwe = "CWE-20"
    safe = True  # it only changes what the caller owns
    remediation = (
        "Treat what other services return as untrusted input: check its content type and "
        "shape against what you expect (an image is an image, a document has the fields you "
        "know), and never serve fetched bytes from your own origin with their original type."
    )

    def __init__(self, wait: float = WAIT) -> None:
        self.wait = wait

    async def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
        """Serve untrusted content to every URL input of ``operation`` and read it back."""
        items = url_inputs(ctx, operation)
        who = await start(ctx, operation, items, "no URL-valued input")
        if isinstance(who, Skip):
            yield who
            return
        for item in items:
            outcome = await self._html(ctx, operation, who, item)
            if outcome is None:
                outcome = await self._json(ctx, operation, who, item)
            if outcome is not None:
                yield outcome

    async def _html(
        self, ctx: Context, operation: Operation, who: Caller, item: Input
    ) -> Outcome | None:
        mark = marker()
        page = f"<html><body><script>/*{mark}*/</script><p>{mark}</p></body></html>"
        token = ctx.canary.token("api10 html", body=page.encode(), content_type="text/html")
        delivery = await deliver(ctx, operation, who, item, token.url)
        if await ctx.canary.hit(token.token, self.wait) is None:
            return None
        for reply in await _read_back(ctx, operation, who, delivery):
            kind = (reply.header("content-type") or "").split(";")[0].strip().lower()
            if reply.ok and kind in ACTIVE and mark in reply.text:
                detail = (
                    f"The API fetched an HTML page with a script from the URL in {item.name} and "
                    f"served it back as {kind} from its own origin ({reply.sent.method} "
                    f"{reply.sent.target}): a third party's script runs as the API's own page."
                )
                evidence = [*delivery.replies, reply]
                return self._finding(
                    ctx, operation, item, Severity.HIGH, detail, evidence, "CWE-79"
                )
        return None

    async def _json(
        self, ctx: Context, operation: Operation, who: Caller, item: Input
    ) -> Outcome | None:
        field, value = f"aw_{marker(4)}", marker()
        document = json.dumps({field: value}).encode()
        token = ctx.canary.token("api10 json", body=document, content_type="application/json")
        delivery = await deliver(ctx, operation, who, item, token.url)
        if await ctx.canary.hit(token.token, self.wait) is None:
            return None
        for reply in await _read_back(ctx, operation, who, delivery):
            kind = (reply.header("content-type") or "").split(";")[0].strip().lower()
            if reply.ok and kind.endswith("json") and _carries(reply.data, field, value):
                detail = (
                    f"The API fetched a JSON document from the URL in {item.name} and its answer "
                    f"({reply.sent.method} {reply.sent.target}) carries the document's made-up "
                    f"field {field}: third-party data is stored or passed on unvalidated."
                )
                evidence = [*delivery.replies, reply]
                return self._finding(
                    ctx, operation, item, Severity.MEDIUM, detail, evidence, "CWE-20"
                )
        return None

    def _finding(
        self,
        ctx: Context,
        operation: Operation,
        item: Input,
        severity: Severity,
        detail: str,
        evidence: list[Reply],
        cwe: str,
    ) -> Outcome:
        """``cwe``: CWE-79 when the fetched page is served back as the API's own HTML."""
        return ctx.finding(
            self,
            operation,
            title=f"Content fetched through {item.where} {item.name} is trusted as the API's own",
            severity=severity,
            confidence=Confidence.CONFIRMED if severity is Severity.HIGH else Confidence.FIRM,
            detail=detail,
            evidence=evidence,
            key=item.key,
            cwe=cwe,
        )


async def _read_back(
    ctx: Context, operation: Operation, who: Caller, delivery: Delivery
) -> list[Reply]:
    """The delivery's own answers, then GETs of the same resource, its parent and the object."""
    replies = list(delivery.replies)
    path = operation.path.rstrip("/")
    wanted = {path, path.rpartition("/")[0]}
    for reader in ctx.probes:
        if reader.method != "GET":
            continue
        slot = _item_slot(reader.path, path)
        if reader.path.rstrip("/") not in wanted and not (slot and delivery.created):
            continue
        request = (
            ctx.request(reader) if who.identity is None else ctx.baseline(reader, who.identity)
        )
        for name, value in who.request.path_params.items():
            if "{" + name + "}" in reader.path:
                request = request.with_param(Where.PATH, name, value)
        if slot and delivery.created:
            request = request.with_param(Where.PATH, slot, delivery.created)
        replies.append(await ctx.send(request, as_=who.identity, note=f"read back: {reader.key}"))
    return replies


def _carries(data: object, field: str, value: str) -> bool:
    """True when the parsed JSON ``data`` has ``field`` set to ``value`` at some depth."""
    if isinstance(data, dict):
        if data.get(field) == value:
            return True
        return any(_carries(v, field, value) for v in data.values())
    return isinstance(data, list) and any(_carries(v, field, value) for v in data)


def _item_slot(reader: str, collection: str) -> str | None:
    """The path parameter when ``reader`` is ``collection/{param}``."""
    parent, _, last = reader.rstrip("/").rpartition("/")
    return last[1:-1] if parent == collection and last.startswith("{") else None
