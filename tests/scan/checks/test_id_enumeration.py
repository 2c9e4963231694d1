"""``id_enumeration``: sequential integer ids let a caller reach others' objects by counting."""

from __future__ import annotations

from ownership_support import scan_demo_with
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tiny_support import IDENTITIES, app, caller, operation, scan_app

from apiward.core.findings import Confidence, Severity
from apiward.demo import load_ground_truth, matches
from apiward.scan.checks.id_enumeration import IdEnumeration

# alice owns invoices 11, 12; bob 13; carol (no identity) 14, 15.
OWNERS = {11: "alice", 12: "alice", 13: "bob", 14: "carol", 15: "carol"}
INVOICE = {"type": "object", "properties": {"id": {"type": "integer"}}}
ID = {"name": "invoice_id", "in": "query", "required": True, "schema": {"type": "integer"}}
PATHS = {
    "/invoices": {"get": operation({"type": "array", "items": INVOICE})},
    "/invoice": {"get": operation(INVOICE, parameters=[ID])},
}


def _invoice(number: int) -> dict[str, object]:
    return {"id": number, "owner": OWNERS[number], "email": f"{OWNERS[number]}@example.test"}


async def _list(request: Request) -> Response:
    who = caller(request)
    if who is None:
        return JSONResponse({"error": "no"}, status_code=401)
    return JSONResponse([_invoice(n) for n, o in OWNERS.items() if o == who])


def _one(checked: bool):  # type: ignore[no-untyped-def]
    async def handler(request: Request) -> Response:
        who = caller(request)
        if who is None:
            return JSONResponse({"error": "no"}, status_code=401)
        number = int(request.query_params.get("invoice_id", "0"))
        if number not in OWNERS or (checked and OWNERS[number] != who):
            return JSONResponse({"error": "no such invoice"}, status_code=404)
        return JSONResponse(_invoice(number))

    return handler


def _web(checked: bool):  # type: ignore[no-untyped-def]
    return app(PATHS, [Route("/invoices", _list), Route("/invoice", _one(checked))])


def test_counting_to_a_foreign_invoice_is_found() -> None:
    """Neighbouring ids answering with others' objects (personal data) is high, confirmed."""
    results = scan_app(_web(checked=False), [IdEnumeration()])
    found = [f for f in results.findings if f.check == "id_enumeration"]
    assert [f.operation for f in found] == ["GET /invoice"]
    assert found[0].severity is Severity.HIGH
    assert found[0].confidence is Confidence.CONFIRMED
    assert found[0].key == "query:invoice_id"


def test_neighbours_refused_like_missing_ids_are_not_flagged() -> None:
    """An API answering 404 for others' objects gives no finding."""
    results = scan_app(_web(checked=True), [IdEnumeration()])
    assert [f for f in results.findings if f.check == "id_enumeration"] == []
    # A missing-id control and four neighbours a side at most (ten a side before: 21).
    assert int(results.stats.get("requests.id_enumeration", 0)) <= 9


def test_public_objects_are_not_flagged() -> None:
    """Neighbours anyone can read without credentials are public data, not others'."""

    async def public(request: Request) -> Response:
        return JSONResponse(_invoice(int(request.query_params.get("invoice_id", "0")) % 5 + 11))

    web = app(PATHS, [Route("/invoices", _list), Route("/invoice", public)])
    results = scan_app(web, [IdEnumeration()], identities=IDENTITIES)
    assert [f for f in results.findings if f.check == "id_enumeration"] == []


def test_finds_the_demo_account_read_by_number() -> None:
    """On the vulnerable bank, counting account ids reaches others' accounts."""
    flaw = next(f for f in load_ground_truth() if f.id == "bola-account-by-id")
    results = scan_demo_with(IdEnumeration(), fixed=False)
    found = [f for f in results.findings if matches(f, flaw)]
    assert found
    assert found[0].severity >= Severity.MEDIUM


def test_silent_on_the_fixed_bank() -> None:
    """The fixed bank refuses foreign accounts: nothing of medium or above."""
    results = scan_demo_with(IdEnumeration(), fixed=True)
    assert [f.title for f in results.findings if f.severity >= Severity.MEDIUM] == []
    assert results.errors == []
