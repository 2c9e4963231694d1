"""bola on a DELETE that answers 204 whatever it removed, over ids SQLite hands out again.

A bookmarks API written the FastAPI way on SQLite: ``{"detail": ...}`` errors, bearer
tokens, and ``DELETE /bookmarks/{id}`` run as ``DELETE ... WHERE id = ? AND owner = ?``,
answered 204 whether a row went or not (an idempotent DELETE, as many APIs make it).
Ids are SQLite's rowids, so the id of the last row deleted goes to the next row made.

A control that deletes a spare again proves nothing here (it gets 204 too), and may
delete the next object made under the recycled id: the owner reading its bookmark
after the attack is what tells a removal from a refusal. The flawed twin forgets
``AND owner = ?``; the fixed twin keeps it, answers the same 204, and removes nothing.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, Header, HTTPException, Response
from ownership_support import scan_app
from pydantic import BaseModel

from apiward.scan import Identity, Results
from apiward.scan.checks.bola import Bola
from serving import serving

TOKENS = {"Bearer bm-noor": "noor", "Bearer bm-tariq": "tariq"}
IDENTITIES = tuple(
    Identity(name=name, role="member", headers={"Authorization": token})
    for token, name in TOKENS.items()
)
SEEDED = [
    ("noor", "https://example.org/kafka", "The Trial, annotated"),
    ("noor", "https://example.org/rilke", "Letters"),
    ("tariq", "https://example.org/ibn-battuta", "Travels"),
]
DELETE = "DELETE /bookmarks/{bookmark_id}"


class BookmarkIn(BaseModel):
    url: str
    title: str


class BookmarkOut(BookmarkIn):
    id: int


def _caller(authorization: Annotated[str, Header()] = "") -> str:
    who = TOKENS.get(authorization)
    if who is None:
        raise HTTPException(401, "Not authenticated")
    return who


Caller = Annotated[str, Depends(_caller)]


def bookmarks_app(db: Path, *, flawed: bool) -> FastAPI:
    """The bookmarks API over SQLite file ``db``; ``flawed`` deletes anyone's bookmark."""
    lock = threading.Lock()
    connection = sqlite3.connect(db, check_same_thread=False)
    connection.execute("CREATE TABLE bookmarks (id INTEGER PRIMARY KEY, owner, url, title)")
    connection.executemany("INSERT INTO bookmarks (owner, url, title) VALUES (?, ?, ?)", SEEDED)
    connection.commit()

    def run(sql: str, *args: Any) -> list[tuple[Any, ...]]:
        with lock:
            rows = connection.execute(sql, args).fetchall()
            connection.commit()
            return rows

    app = FastAPI(title="bookmarks")

    @app.get("/bookmarks")
    def list_bookmarks(who: Caller) -> list[BookmarkOut]:
        rows = run("SELECT id, url, title FROM bookmarks WHERE owner = ?", who)
        return [BookmarkOut(id=i, url=u, title=t) for i, u, t in rows]

    @app.post("/bookmarks", status_code=201)
    def add_bookmark(body: BookmarkIn, who: Caller) -> BookmarkOut:
        with lock:
            made = connection.execute(
                "INSERT INTO bookmarks (owner, url, title) VALUES (?, ?, ?)",
                (who, body.url, body.title),
            ).lastrowid
            connection.commit()
        assert made is not None
        return BookmarkOut(id=made, url=body.url, title=body.title)

    @app.get("/bookmarks/{bookmark_id}")
    def get_bookmark(bookmark_id: int, who: Caller) -> BookmarkOut:
        rows = run("SELECT url, title FROM bookmarks WHERE id = ? AND owner = ?", bookmark_id, who)
        if not rows:
            raise HTTPException(404, "Bookmark not found")
        return BookmarkOut(id=bookmark_id, url=rows[0][0], title=rows[0][1])

    @app.delete("/bookmarks/{bookmark_id}", status_code=204)
    def delete_bookmark(bookmark_id: int, who: Caller) -> Response:
        if flawed:
            run("DELETE FROM bookmarks WHERE id = ?", bookmark_id)
        else:
            run("DELETE FROM bookmarks WHERE id = ? AND owner = ?", bookmark_id, who)
        return Response(status_code=204)

    return app


def _rows(db: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as connection:
        return connection.execute("SELECT owner, url, title FROM bookmarks ORDER BY id").fetchall()


@pytest.fixture(params=[True, False], ids=["flawed", "fixed"])
def scanned(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[bool, Results]]:
    """A bola scan of a fresh bookmarks API, and whether it was the flawed twin."""
    db = tmp_path / "bookmarks.sqlite"
    with serving(bookmarks_app(db, flawed=request.param)) as url:
        yield request.param, scan_app(url, Bola(), IDENTITIES)
    assert _rows(db) == SEEDED, "the scan left the bookmarks as it did not find them"


def test_a_delete_that_removed_anothers_bookmark_is_found_and_one_that_did_not_is_not(
    scanned: tuple[bool, Results],
) -> None:
    """The owner's read after the attack decides: gone on the flawed twin, still there on the fixed."""
    flawed, results = scanned
    deletes = [f for f in results.findings if f.operation == DELETE]
    if not flawed:
        assert not deletes
        assert DELETE not in {s.operation for s in results.skipped}, results.skipped
        return
    assert len(deletes) == 1, results.findings
    proof = deletes[0].evidence[-1]
    assert proof.request.method == "GET"
    assert proof.response is not None
    assert proof.response.status == 404
    # The reproduction replays the attack, not the owner's read that shows it worked (the
    # PHP trial's "ted deletes tina's object" reproduced as tina's GET).
    assert (deletes[0].reproduction or "").startswith("curl -i -X DELETE"), deletes[0].reproduction
