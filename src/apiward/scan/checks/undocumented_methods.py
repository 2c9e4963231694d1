"""``undocumented_methods`` (API9, API5): methods a documented path answers that its contract omits.

A framework route often serves more methods than the contract says (a Django view
with ``delete`` left in, a Flask route with ``methods=[...]`` grown over time). Such a
method is a shadow endpoint on a known path: reviews and the guard never see it, and it
is often the one without the ownership check. Probed once per scan, safely:

* an undocumented **GET** on a documented path (not a login's): a read, as the first
  identity with its own ids in the path (``ctx.baseline`` of a documented operation
  there); answered only with JSON data (a login page's HTML is not a shadow API);
* an undocumented **PUT/PATCH** on an item path, only on an object the scan created
  (``Ledger.created``), as its creator, with the values it was created with (no change);
* an undocumented **DELETE** on such an object: first as *another* identity — when the
  creator's documented GET then answers 404, anyone may delete anyone's object through
  a method nobody documented (high, CWE-285, confirmed) — else as its creator (the
  object is the scan's: it is the scan's to delete).

Never on an object the scan did not create; a method is *answered* when its reply is a
2xx (a read's with data): 401/403/404/405 say the route is guarded or absent. Low for a
read or a no-op write, medium for a working DELETE. At most ``MAX_PROBES`` requests.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

from apiward.core.findings import Confidence, Severity
from apiward.scan import _objects
from apiward.scan.check import Outcome
from apiward.scan.checks._answers import GONE
from apiward.scan.context import Context
from apiward.scan.diff import meaningful
from apiward.scan.entries import Created
from apiward.scan.flows import is_login
from apiward.scan.identities import Identity
from apiward.scan.request import CHANGES, Request
from apiward.scan.transport import Reply
from apiward.spec import Operation

MAX_PROBES = 24


@dataclass(frozen=True, slots=True, kw_only=True)
class _Own:
    """An object the scan created, at its item path, and who created it."""

    path: str
    request: Request
    created: Created
    creator: Identity


class UndocumentedMethods:
    """Methods a documented path answers although the contract does not list them."""

    id = "undocumented_methods"
    title = "Undocumented method answers"
    owasp = "API9:2023"
    cwe = "CWE-1059"
    safe = True  # reads, no-op writes and deletes on the scan's own objects only
    remediation = (
        "Serve only the methods the contract documents (list them on the route, or answer "
        "405), and put every method that stays through the same authorization as the rest."
    )

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """Send each undocumented method where it cannot harm; report those answered."""
        budget = MAX_PROBES
        for path, request, who in _reads(ctx):
            if budget <= 0:
                return
            budget -= 1
            reply = await ctx.send(request, as_=who, note="undocumented GET")
            if reply.ok and meaningful(reply.text) and reply.data:
                yield self._answered(ctx, path, reply, Severity.LOW, "answers a read")
        for own in _own_objects(ctx):
            for method in _missing(ctx, own.path, CHANGES):
                if budget <= 0:
                    return
                budget -= 2 if method == "DELETE" else 1
                outcome = await self._write(ctx, own, method)
                if outcome is not None:
                    yield outcome

    async def _write(self, ctx: Context, own: _Own, method: str) -> Outcome | None:
        if method != "DELETE":
            body = own.created.create.body
            request = Request(
                method=method,
                path=own.request.path,
                path_params=own.request.path_params,
                body=body,
                body_kind=own.created.create.body_kind,
            )
            reply = await ctx.send(request, as_=own.creator, note=f"undocumented {method}")
            if not reply.ok:
                return None
            return self._answered(ctx, own.path, reply, Severity.LOW, "accepts a write")
        delete = Request(
            method="DELETE", path=own.request.path, path_params=own.request.path_params
        )
        other = next((i for i in ctx.identities if i.name != own.creator.name), None)
        if other is not None:
            reply = await ctx.send(delete, as_=other, note="undocumented DELETE by another")
            if reply.ok and await _gone(ctx, own):
                own.created.deleted = True
                return self._bfla(ctx, own, other, reply)
            if reply.ok:
                return self._answered(ctx, own.path, reply, Severity.MEDIUM, "deletes")
        reply = await ctx.send(delete, as_=own.creator, note="undocumented DELETE by the creator")
        if not reply.ok:
            return None
        own.created.deleted = await _gone(ctx, own)
        return self._answered(ctx, own.path, reply, Severity.MEDIUM, "deletes")

    def _answered(
        self, ctx: Context, path: str, reply: Reply, severity: Severity, what: str
    ) -> Outcome:
        method = reply.exchange.request.method
        documented = ", ".join(sorted(o.method for o in ctx.api.operations if o.path == path))
        return ctx.finding(
            self,
            f"{method} {path}",
            title=f"Undocumented {method} {path} {what}",
            severity=severity,
            confidence=Confidence.FIRM,
            detail=(
                f"The contract documents {documented} on {path}, not {method}; {method} "
                f"answered {reply.status}. A method nobody documented escapes review and "
                "the checks the documented ones get."
            ),
            evidence=[reply],
            key=f"{method} {path}",
        )

    def _bfla(self, ctx: Context, own: _Own, other: Identity, reply: Reply) -> Outcome:
        path = own.path
        return ctx.finding(
            self,
            f"DELETE {path}",
            title=f"Undocumented DELETE {path} lets {other.name} delete others' objects",
            severity=Severity.HIGH,
            confidence=Confidence.CONFIRMED,
            detail=(
                f"{own.creator.name} created {own.request.target}; {other.name} sent DELETE, "
                f"which the contract does not document on {path}, and got {reply.status}; "
                f"{own.creator.name}'s documented GET then found the object gone."
            ),
            evidence=[reply],
            key=f"DELETE {path}",
            cwe="CWE-285",
            remediation=(
                "Remove the undocumented DELETE, or give it the same ownership and role "
                "checks as the documented operations."
            ),
        )


def _missing(ctx: Context, path: str, methods: tuple[str, ...]) -> list[str]:
    """``methods`` the contract does not document on ``path``, in scope."""
    have = {o.method for o in ctx.api.operations if o.path == path}
    return [m for m in methods if m not in have and not ctx.scope.why_out_path(m, path)]


def _reads(ctx: Context) -> Iterator[tuple[str, Request, Identity | None]]:
    """A GET for each documented path without one, filled as its first operation's request."""
    seen: set[str] = set()
    who = ctx.identities[0] if ctx.identities else None
    for op in ctx.probes:
        if op.path in seen or is_login(op) or not _missing(ctx, op.path, ("GET",)):
            continue
        seen.add(op.path)
        base = ctx.baseline(op, who) if who is not None else ctx.request(op)
        yield op.path, Request(method="GET", path=op.path, path_params=base.path_params), who


def _own_objects(ctx: Context) -> Iterator[_Own]:
    """One object the scan created per item path, with an identity for a creator."""
    seen: set[str] = set()
    for created in ctx.ledger.created:
        creator = created.creator.identity
        found = _objects.item_path(ctx.api, created.create.path) if created.id else None
        if creator is None or found is None or created.deleted or found[0] in seen:
            continue
        seen.add(found[0])
        path, name = found
        params = {**created.create.path_params, name: created.id}
        yield _Own(
            path=path,
            request=Request(method="GET", path=path, path_params=params),
            created=created,
            creator=creator,
        )


async def _gone(ctx: Context, own: _Own) -> bool:
    """True when the creator's documented GET says the object is no more."""
    read: Operation | None = ctx.api.operation("GET", own.path)
    if read is None:
        return False
    reply = await ctx.send(own.request, as_=own.creator, note="read back after DELETE")
    return reply.status in GONE
