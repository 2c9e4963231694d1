"""One-way actions: which writes are, and the ledger sending them only to what the scan made.

The classification reads the contract alone (``scan.one_way``). The guard is seen on the
Flask expenses API (``expenses_app``) documented the loose way Django REST
Framework's generator does: ``POST /expenses/{ref}/approve`` takes the expense's fields and
a PATCH may set ``status``, so by the contract an approval could be written back, while
the server refuses every edit of an approved expense. A hand-written check sends the
approvals under test, so the rule is seen apart from any real check.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from expenses_app import EXPENSES, IDENTITIES, Office
from test_ledger import Writes

from apiward.core.registry import Registry
from apiward.scan import Results, ScanConfig, scan
from apiward.scan.check import AnyCheck, Outcome
from apiward.scan.context import Context
from apiward.scan.identities import load_identities
from apiward.scan.one_way import one_way
from apiward.scan.request import BodyKind, Request
from apiward.spec import Api, load
from serving import serving

OK = {"200": {"description": "ok"}}
ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
USER = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "role": {"type": "string"}},
}


def _post(body: dict[str, Any] | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {"parameters": ID, "responses": OK}
    if body is not None:
        schema = {"type": "object", "properties": body}
        operation["requestBody"] = {"content": {"application/json": {"schema": schema}}}
    return operation


PATHS: dict[str, Any] = {
    "/expenses/{id}": {"get": {"parameters": ID, "responses": OK}},
    "/expenses/{id}/approve": {"post": _post({"purpose": {"type": "string"}})},
    "/expenses/{id}/reopen": {"patch": _post()},
    "/orders/{id}:cancel": {"post": _post()},
    "/vouchers/{id}/redeem": {"post": _post()},
    "/users/{id}": {
        "get": {
            "parameters": ID,
            "responses": {
                "200": {"description": "a user", "content": {"application/json": {"schema": USER}}}
            },
        }
    },
    "/users/{id}/set-role": {"post": _post({"role": {"type": "string"}})},
    "/members/{id}/set-tier": {"post": _post({"tier": {"type": "string"}})},
    "/users/{id}/profile": {"put": _post({"bio": {"type": "string"}})},
    "/orders/{id}/lines": {"post": _post({"sku": {"type": "string"}})},
    "/webhooks/{id}/test": {"post": _post()},
    "/vouchers/redeem": {"post": {"responses": OK}},
    "/notes/{id}/comments": {
        "post": {"parameters": ID, "responses": {"201": {"description": "added"}}}
    },
}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Api:
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": PATHS}
    path = Path(tmp_path_factory.mktemp("one-way")) / "openapi.json"
    path.write_text(json.dumps(spec))
    return load(str(path))


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("POST /expenses/{id}/approve", True),
        ("PATCH /expenses/{id}/reopen", True),
        ("POST /orders/{id}:cancel", True),
        ("POST /vouchers/{id}/redeem", True),
        ("POST /users/{id}/set-role", False),
        ("POST /members/{id}/set-tier", False),
        ("PUT /users/{id}/profile", False),
        ("POST /orders/{id}/lines", False),
        ("POST /webhooks/{id}/test", False),
        ("POST /vouchers/redeem", False),
        ("POST /notes/{id}/comments", False),
    ],
    ids=[
        "an approval, whatever body it declares",
        "a body-less PATCH on an action path",
        "a custom method",
        "a redemption of a named voucher",
        "a field set by name",
        "a field its own body sets, no read showing it",
        "a part of the object replaced",
        "a collection under the object",
        "a question",
        "a redemption naming no object",
        "a creation under the object",
    ],
)
def test_an_action_on_an_object_is_one_way_unless_a_write_could_take_it_back(
    api: Api, key: str, expected: bool
) -> None:
    """Approve, cancel, redeem act for good; a field set by name, a part replaced, a question do not."""
    method, path = key.split(" ", 1)
    operation = api.operation(method, path)
    assert operation is not None
    assert one_way(api, operation) is expected


def _approve(ref: str) -> Request:
    path = "/expenses/{expense_ref}/approve"
    return Request(
        method="POST",
        path=path,
        operation=f"POST {path}",
        path_params={"expense_ref": ref},
        body={"purpose": "Train to Leeds", "amount_pence": 4850},
        body_kind=BodyKind.JSON,
    )


class FilesThenApproves:
    """Alice files an expense, then approves it (a one-way action on what the scan made)."""

    id = "files-then-approves"
    title = "an approval on an expense the scan made"
    owasp = "API1:2023"
    cwe = ""
    safe = True
    remediation = ""

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """File an expense as alice and approve it."""
        alice = next(i for i in ctx.identities if i.name == "alice")
        filing = Request(
            method="POST",
            path="/expenses",
            operation="POST /expenses",
            body={"purpose": "Stamps", "amount_pence": 120},
            body_kind=BodyKind.JSON,
        )
        filed = await ctx.send(filing, as_=alice, note="under test")
        assert isinstance(filed.data, dict)
        await ctx.send(_approve(str(filed.data["ref"])), as_=alice, note="under test")
        return
        yield


def _scan(office: Office, check: AnyCheck, tmp_path: Path, *, aggressive: bool = False) -> Results:
    (tmp_path / "identities.yaml").write_text(IDENTITIES)
    identities = load_identities(tmp_path / "identities.yaml")
    with serving(office.app(), wsgi=True) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        config = ScanConfig(target=url, identities=identities, aggressive=aggressive)
        registry = Registry[AnyCheck]("check", [(check.id, check)])
        return asyncio.run(scan(api, config, registry))


@pytest.mark.parametrize(
    "ref",
    ["EXP-7Q2", "EXP-7Q2' OR '1'='1"],
    ids=["her own seeded expense", "an injected id that names no expense"],
)
def test_an_approval_is_never_sent_to_an_expense_the_scan_did_not_make(
    tmp_path: Path, ref: str
) -> None:
    """Though the contract's PATCH could set status back, the approval is withheld as unrestorable."""
    office = Office(flawed=True, loose=True)
    results = _scan(office, Writes(("alice", _approve(ref))), tmp_path)
    assert office.approvals == []
    assert office.state() == EXPENSES
    assert any("acts for good" in s.detail for s in results.skipped), results.skipped


def test_an_approval_goes_to_an_expense_the_scan_made_which_is_then_deleted(tmp_path: Path) -> None:
    """Alice's approval of her own new expense is sent; the manager deletes it (alice may not)."""
    office = Office(flawed=True, loose=True)
    results = _scan(office, FilesThenApproves(), tmp_path)
    assert len(office.approvals) == 1
    assert office.state() == EXPENSES
    assert not results.damaged
    assert any("by mona" in c.detail for c in results.target_state), results.target_state


def test_aggressive_sends_it_to_a_seeded_expense_and_says_it_stays(tmp_path: Path) -> None:
    """Under --aggressive (a disposable copy) the approval goes out; the report says not restored."""
    office = Office(flawed=True, loose=True)
    results = _scan(office, Writes(("alice", _approve("EXP-7Q2"))), tmp_path, aggressive=True)
    assert office.approvals == ["EXP-7Q2"]
    assert results.damaged
