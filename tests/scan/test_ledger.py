"""The ledger and the restore phase: whatever a write answered, the scan puts the target back.

Each test scans the Flask team board (``integrity_app``) with one hand-written check
that sends exactly the writes under test, so the rule is seen apart from any real check.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from typing import Any

from integrity_app import Board, running

from apiward.core.registry import Registry
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.check import AnyCheck, Outcome, SkipReason
from apiward.scan.context import Context
from apiward.scan.identities import Login
from apiward.scan.request import BodyKind, Request
from apiward.spec import load


def _identity(name: str, email: str, password: str) -> Identity:
    body = {"email": email, "password": password}
    return Identity(
        name=name,
        role="member",
        login=Login(method="POST", path="/login", body=body, token="token"),
    )


ALICE = _identity("alice", "alice@team.test", "alice-pw-1")
BOB = _identity("bob", "bob@team.test", "bob-pw-2")


class Writes:
    """A check that sends the given writes as the given identities."""

    id = "writes"
    title = "writes under test"
    owasp = "API3:2023"
    cwe = ""
    safe = True
    remediation = ""

    def __init__(self, *writes: tuple[str, Request]) -> None:
        self.writes = writes

    async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
        """Send each write (a withheld one ends the check: the runner reports it as a skip)."""
        who = {i.name: i for i in ctx.identities}
        for name, request in self.writes:
            await ctx.send(request, as_=who[name], note="under test")
        return
        yield


def _put(path: str, body: dict[str, Any], **params: str) -> Request:
    return Request(
        method="PUT",
        path=path,
        operation=f"PUT {path}",
        path_params=params,
        body=body,
        body_kind=BodyKind.JSON,
    )


def _scan(board: Board, check: Writes, *, aggressive: bool = False, timeout: float = 10) -> Results:
    with running(board) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        config = ScanConfig(
            target=url, identities=(ALICE, BOB), aggressive=aggressive, timeout=timeout
        )
        registry = Registry[AnyCheck]("check", [(check.id, check)])
        return asyncio.run(scan(api, config, registry))


def _logs_in(board: Board, email: str, password: str) -> int:
    return (
        board.app.test_client()
        .post("/login", json={"email": email, "password": password})
        .status_code
    )


def test_a_write_answered_500_is_put_back() -> None:
    """A role the app does not know, written by an update that then answers 500, is put back."""
    board = Board()
    results = _scan(
        board,
        Writes(
            ("alice", _put("/users/{user_id}", {"name": "Alice", "role": "ghost"}, user_id="1"))
        ),
    )
    assert board.users[1]["role"] == "member"
    assert _logs_in(board, "alice@team.test", "alice-pw-1") == 200
    rows = [(c.object, c.state.value) for c in results.target_state]
    assert ("/users/1", "restored") in rows
    assert not results.damaged


def test_a_write_that_timed_out_is_put_back() -> None:
    """A write whose answer never came (a timeout) may still have written: it is put back."""
    board = Board(slow=1.5)
    write = _put("/users/{user_id}", {"name": "slow"}, user_id="1")
    results = _scan(board, Writes(("alice", write)), timeout=0.5)
    assert any("no whole answer within" in e for e in results.errors), results.errors
    assert board.users[1]["name"] == "Alice"
    assert ("/users/1", "restored") in [(c.object, c.state.value) for c in results.target_state]


def test_an_object_the_scan_made_is_deleted_by_its_creator() -> None:
    """Every post the scan made (harvest's and the check's) is deleted as its creator."""
    board = Board()
    post = Request(
        method="POST",
        path="/board/posts",
        operation="POST /board/posts",
        body={"title": "t", "body": "b"},
        body_kind=BodyKind.JSON,
    )
    results = _scan(board, Writes(("bob", post)))
    assert board.junk_posts() == []
    assert board.violations() == []
    posts = [c for c in results.target_state if "/board/posts" in c.object]
    # Harvest creates one post as each identity, the check one more as bob; the board
    # lets only a post's author delete it, so an empty board proves who deleted each.
    assert [(c.what.value, c.state.value, c.by) for c in posts] == [
        ("object created", "deleted", "alice, bob")
    ]


def test_a_write_nothing_reads_back_is_withheld() -> None:
    """A write on an object no GET shows is not sent: it could not be restored."""
    board = Board()
    results = _scan(board, Writes(("alice", _put("/me/notifications", {"digest": "never"}))))
    assert board.digests[1] == "weekly"
    assert [s.reason for s in results.skipped] == [SkipReason.UNRESTORABLE.value]


def test_aggressive_sends_it_and_reports_the_change_as_damage() -> None:
    """Under --aggressive it is sent, and the target state says it could not be put back."""
    board = Board()
    results = _scan(
        board, Writes(("alice", _put("/me/notifications", {"digest": "never"}))), aggressive=True
    )
    assert board.digests[1] == "never"
    damage = [(c.object, c.state.value) for c in results.target_state if c.damage]
    assert damage == [("/me/notifications", "not restored")]
    assert results.damaged


def test_a_write_of_a_field_no_read_shows_is_withheld() -> None:
    """The role is not shown: nothing could put it back, so the write is not sent."""
    board = Board(shows_role=False)
    results = _scan(
        board, Writes(("bob", _put("/users/{user_id}", {"role": "ghost"}, user_id="2")))
    )
    assert board.users[2]["role"] == "member"
    assert _logs_in(board, "bob@team.test", "bob-pw-2") == 200
    assert any("could not be restored" in s.detail for s in results.skipped), results.skipped
    assert not results.damaged


def test_an_identity_that_no_longer_logs_in_is_damage() -> None:
    """Under --aggressive that write goes out, breaks bob's login, and is reported."""
    board = Board(shows_role=False)
    results = _scan(
        board,
        Writes(("bob", _put("/users/{user_id}", {"role": "ghost"}, user_id="2"))),
        aggressive=True,
    )
    broken = [c for c in results.target_state if c.state.value == "no longer logs in"]
    assert [c.object for c in broken] == ["bob"]
    assert results.damaged


def test_made_answers_for_created_ids_only() -> None:
    """``Ledger.made`` is true for the id of a post the scan made, false for seeded ones."""
    board = Board()
    seen: dict[str, bool] = {}

    class Probe(Writes):
        async def run_once(self, ctx: Context) -> AsyncIterator[Outcome]:
            alice = ctx.identities[0]
            post = Request(
                method="POST",
                path="/board/posts",
                operation="POST /board/posts",
                body={"title": "t", "body": "b"},
                body_kind=BodyKind.JSON,
            )
            made = (await ctx.send(post, as_=alice)).data["result"]["id"]
            seen.update(made=ctx.ledger.made(made), seeded=ctx.ledger.made(1))
            return
            yield

    _scan(board, Probe())
    assert seen == {"made": True, "seeded": False}


def test_the_owner_who_changed_it_puts_it_back_when_the_first_writer_was_refused() -> None:
    """bob's PATCH of alice's profile is refused, alice's own lands: alice writes it back."""
    board = Board()
    patch = dataclasses.replace(
        _put("/profiles/{handle}", {"bio": "a probe was here"}, handle="alice"),
        method="PATCH",
        operation="PATCH /profiles/{handle}",
    )
    results = _scan(board, Writes(("bob", patch), ("alice", patch)))
    assert board.profiles["alice"]["bio"] == "Runs the lunch rota."
    assert not results.damaged, [c for c in results.target_state if c.damage]
