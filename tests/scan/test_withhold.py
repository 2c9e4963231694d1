"""The engine never sends a legitimate write that changes others' objects or privileges."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, HTTPException, Query
from fastapi.security import APIKeyHeader
from pydantic import BaseModel
from scan_support import FixedBankScan

from apiward.core.registry import Registry
from apiward.demo import IDENTITIES
from apiward.demo.seed import USERS
from apiward.scan import Identity, Results, ScanConfig, load_identities, scan
from apiward.scan.check import AnyCheck, Outcome, SkipReason
from apiward.scan.checks import builtin_checks
from apiward.scan.context import Context
from apiward.scan.harvest import Harvest
from apiward.scan.synthesis import Synthesizer
from apiward.scan.withhold import Unrestorable, Withheld, withheld
from apiward.spec import Operation, load

_TOKENS = {"t-alice": "alice", "t-bob": "bob"}


class _Note(BaseModel):
    text: str


def _me(token: Annotated[str, Depends(APIKeyHeader(name="X-Token"))]) -> str:
    if token not in _TOKENS:
        raise HTTPException(401, "bad token")
    return _TOKENS[token]


Me = Annotated[str, Depends(_me)]


def _app(notes: dict[int, dict[str, Any]]) -> FastAPI:
    """Notes everyone lists, creates, overwrites and deletes by id (no ownership check); one
    shared board. The DELETE lets a default scan create a note (what nothing deletes is not
    created), so the test sees the writes on one's own objects go."""
    app = FastAPI()

    @app.get("/notes")
    def listing(user: Me) -> list[dict[str, Any]]:
        return [{"id": i, **n} for i, n in notes.items()]

    @app.post("/notes", status_code=201)
    def create(body: _Note, user: Me) -> dict[str, Any]:
        note_id = max(notes, default=0) + 1
        notes[note_id] = {"owner": user, "text": body.text}
        return {"id": note_id, **notes[note_id]}

    @app.put("/notes/{note_id}")
    def overwrite(note_id: int, body: _Note, user: Me) -> dict[str, Any]:
        if note_id not in notes:
            raise HTTPException(404, "no such note")
        notes[note_id] = {**notes[note_id], "text": body.text}
        return {"id": note_id, **notes[note_id]}

    @app.delete("/notes/{note_id}", status_code=204)
    def remove(note_id: int, user: Me) -> None:
        if notes.pop(note_id, None) is None:
            raise HTTPException(404, "no such note")

    @app.get("/boards")
    def boards(user: Me) -> list[dict[str, Any]]:
        return [{"id": 7, "text": notes[1]["text"]}]

    @app.put("/boards/{board_id}")
    def rename_board(board_id: int, body: _Note, user: Me) -> dict[str, Any]:
        notes[1] = {**notes[1], "text": body.text}
        return {"id": board_id, "text": body.text}

    return app


class _LegitEverything:
    """A check that asks for every operation's legitimate reply and handles nothing."""

    id = "legit_everything"
    title = owasp = cwe = remediation = ""
    safe = True

    async def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
        """Ask for alice's legitimate reply; yield nothing."""
        await ctx.legit(operation, ctx.identities[0])
        for outcome in ():
            yield outcome


def _scan(
    url: str, checks: list[AnyCheck], identities: tuple[Identity, ...], **values: str
) -> Results:
    api = load(f"{url}/openapi.json", allow_private=True)
    registry = Registry[AnyCheck]("check", ((c.id, c) for c in checks))
    config = ScanConfig(target=url, identities=identities, values=values)
    return asyncio.run(scan(api, config, registry))


def test_shared_objects_are_never_overwritten_and_the_check_is_skipped(
    serve: Callable[[Any], Any],
) -> None:
    """Writes on objects others see are withheld (a skip, saying why); one's own are sent."""
    notes: dict[int, dict[str, Any]] = {1: {"owner": "bob", "text": "bob's"}}
    identities = (
        Identity(name="alice", role="user", headers={"X-Token": "t-alice"}),
        Identity(name="bob", role="user", headers={"X-Token": "t-bob"}),
    )
    results = _scan(serve(_app(notes)).url, [_LegitEverything()], identities)
    assert notes[1] == {"owner": "bob", "text": "bob's"}
    skipped = {s.operation: s for s in results.skipped}
    assert skipped["PUT /boards/{board_id}"].reason == SkipReason.WITHHELD.value
    assert "board_id" in skipped["PUT /boards/{board_id}"].detail
    assert ("legit_everything", "POST /notes") in results.ran
    assert ("legit_everything", "PUT /notes/{note_id}") in results.ran
    assert [c for c in results.target_state if c.object.startswith("/notes/")], "no note made"
    assert results.errors == []


def test_a_full_scan_of_the_fixed_bank_changes_no_role_and_no_bystander(
    fixed_bank_scan: FixedBankScan,
) -> None:
    """After every check ran on the fixed bank, seed roles hold and non-identities are untouched.

    The scan gives ``--value role=support``, so a legitimate role write would show.
    """
    after = fixed_bank_scan.users_after
    assert {name: u["role"] for name, u in after.items()} == {
        name: seeded[0] for name, seeded in USERS.items()
    }
    scanners = {i.name for i in load_identities(str(IDENTITIES))}
    assert {n: u for n, u in after.items() if n not in scanners} == {
        n: u for n, u in fixed_bank_scan.users_before.items() if n not in scanners
    }
    skipped = fixed_bank_scan.results.skipped
    assert any(s.reason == SkipReason.WITHHELD.value for s in skipped)


class _Doc(BaseModel):
    title: str
    text: str = ""


_BOARD = 7
_DOC_TOKENS = {"d-alice": "alice", "d-bob": "bob"}


def _doc_owner(token: Annotated[str, Depends(APIKeyHeader(name="X-Doc-Token"))]) -> str:
    if token not in _DOC_TOKENS:
        raise HTTPException(401, "bad token")
    return _DOC_TOKENS[token]


DocOwner = Annotated[str, Depends(_doc_owner)]


def _docs_app(
    store: dict[str, dict[int, dict[str, Any]]], writes: list[str], made: list[str]
) -> FastAPI:
    """Own documents (listed, created, edited, deleted) and one team board both users see.

    The board's writes are recorded before routing, authentication and validation, so a
    malformed or refused write aimed at it counts as one that reached it.
    """
    app = FastAPI()
    docs, boards = store["docs"], store["boards"]

    @app.middleware("http")
    async def record(request: Any, call_next: Any) -> Any:
        if request.method != "GET" and request.url.path.startswith("/boards/"):
            writes.append(f"{request.method} {request.url.path}")
        return await call_next(request)

    @app.get("/docs")
    def listing(user: DocOwner, limit: int = 10) -> list[dict[str, Any]]:
        return [{"id": i, **d} for i, d in docs.items() if d["owner"] == user][:limit]

    @app.post("/docs", status_code=201)
    def create(body: _Doc, user: DocOwner) -> dict[str, Any]:
        doc_id = max(docs) + 1
        docs[doc_id] = {"owner": user, **body.model_dump()}
        made.append(user)
        return {"id": doc_id, **docs[doc_id]}

    @app.delete("/docs/{doc_id}", status_code=204)
    def remove(doc_id: int, user: DocOwner) -> None:
        if docs.get(doc_id, {}).get("owner") != user:
            raise HTTPException(404, "no such document")
        del docs[doc_id]

    @app.put("/docs/{doc_id}")
    def replace(doc_id: int, body: _Doc, user: DocOwner) -> dict[str, Any]:
        if docs.get(doc_id, {}).get("owner") != user:
            raise HTTPException(404, "no such document")
        docs[doc_id] = {**docs[doc_id], **body.model_dump()}
        return {"id": doc_id, **docs[doc_id]}

    @app.get("/boards")
    def board_list(user: DocOwner) -> list[dict[str, Any]]:
        return [{"id": i, **b} for i, b in boards.items()]

    @app.get("/boards/{board_id}")
    def board(board_id: int, user: DocOwner) -> dict[str, Any]:
        if board_id not in boards:
            raise HTTPException(404, "no such board")
        return {"id": board_id, **boards[board_id]}

    @app.put("/boards/{board_id}")
    def replace_board(board_id: int, body: _Doc, user: DocOwner) -> dict[str, Any]:
        boards[board_id] = {**board(board_id, user), **body.model_dump()}
        return {"id": board_id, **boards[board_id]}

    @app.patch("/boards/{board_id}")
    def rename_board(board_id: int, title: str, user: DocOwner) -> dict[str, Any]:
        boards[board_id] = {**board(board_id, user), "title": title}
        return {"id": board_id, **boards[board_id]}

    @app.delete("/boards/{board_id}", status_code=204)
    def delete_board(board_id: int, user: DocOwner) -> None:
        board(board_id, user)
        del boards[board_id]

    @app.get("/boards/{board_id}/cards")
    def cards(
        board_id: int, user: DocOwner, limit: Annotated[int, Query(ge=1, le=5)] = 5
    ) -> list[dict[str, Any]]:
        return list(board(board_id, user)["cards"])[:limit]

    @app.post("/boards/{board_id}/cards", status_code=201)
    def add_card(board_id: int, body: _Doc, user: DocOwner) -> dict[str, Any]:
        board(board_id, user)["cards"].append(body.model_dump())
        return body.model_dump()

    return app


ATTACKS = frozenset({"bola", "bfla", "mass_assignment"})
"""Checks whose crafted writes on others' objects are the attack (they restore what they change)."""


def test_no_check_writes_to_a_shared_object(serve: Callable[[Any], Any]) -> None:
    """Over a full scan, no check but the attacks sends a write (even malformed) to a shared object.

    The board is everyone's: its id is seen by both users, so each user's baseline of a
    board operation names it. ``resource_limits`` used to fill its short page of cards
    through ``POST /boards/{board_id}/cards`` on it.
    """
    board = {"title": "plan", "text": "shared", "cards": [{"title": "c", "text": ""}]}
    store: dict[str, dict[int, dict[str, Any]]] = {
        "docs": {1: {"owner": "alice", "title": "a", "text": "alice's"}},
        "boards": {_BOARD: {**board, "cards": list(board["cards"])}},
    }
    writes: list[str] = []
    made: list[str] = []
    identities = (
        Identity(name="alice", role="user", headers={"X-Doc-Token": "d-alice"}),
        Identity(name="bob", role="user", headers={"X-Doc-Token": "d-bob"}),
    )
    checks = [c for c in builtin_checks() if c.id not in ATTACKS]
    results = _scan(serve(_docs_app(store, writes, made)).url, checks, identities)
    assert writes == []
    assert store["boards"] == {_BOARD: board}
    assert "alice" in made, "alice's own documents were written"  # and deleted at the end
    assert results.errors == []


_LIMITS = """
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /cards:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties: {label: {type: string}, card_limit: {type: number}}
      responses: {'201': {description: created}}
  /accounts/mine:
    patch:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                nickname: {type: string}
                settings:
                  type: object
                  properties: {transfer_limit: {type: number}}
      responses: {'200': {description: ok}}
  /keys:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties: {label: {type: string}, rate_limit_per_minute: {type: integer}}
      responses: {'201': {description: created}}
"""


@pytest.mark.parametrize(
    ("method", "path", "why"),
    [
        ("POST", "/cards", None),
        ("PATCH", "/accounts/mine", "it sets the privilege field 'transfer_limit'"),
        ("POST", "/keys", "it sets the privilege field 'rate_limit_per_minute'"),
    ],
    ids=["card_limit-sent", "nested-transfer_limit-withheld", "rate_limit-withheld"],
)
def test_the_privilege_rule_is_the_narrow_vocabulary(
    tmp_path: Path, method: str, path: str, why: str | None
) -> None:
    """A card's own limit is sent; a transfer limit (even nested) and a rate limit are withheld."""
    spec = tmp_path / "spec.yaml"
    spec.write_text(_LIMITS)
    api = load(spec)
    synthesizer = Synthesizer(api, url="http://127.0.0.1:9/c")
    op = api.operation(method, path)
    assert op is not None
    alice = Identity(name="alice", role="user", headers={"X-Token": "t-alice"})
    assert withheld(Harvest(synthesizer), op, alice, synthesizer.request(op)) == why


def test_only_the_baseline_is_called_legitimate_when_withheld() -> None:
    """A probe the ledger withholds may name a payload in its path: its skip does not call
    that the legitimate write's object (the Fastify trial's injected booking ids)."""
    op, alice = Operation(method="PATCH", path="/bookings/{id}"), Identity(name="alice")
    probe = Unrestorable(op, alice, "no identity may read /bookings/x%27")
    assert (
        str(probe) == "alice's PATCH /bookings/{id} not sent: no identity may read /bookings/x%27"
    )
    own = Withheld(op, alice, "its path 'id' names another's object", legitimate=True)
    assert str(own).startswith("alice's legitimate PATCH /bookings/{id} not sent: ")
