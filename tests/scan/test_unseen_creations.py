"""What a creation made without the scan seeing its id is found in its listing and deleted.

A notes API in Falcon (an ``X-Api-Key``, Falcon's ``{"title", "description"}`` errors):
``POST /notes`` writes the note, then posts to a notification hook; when the hook
fails the API answers ``500`` although the note is stored (what SQLite's "database
is locked" after an insert looks like under parallel requests). ``POST /labels``
answers ``201 {"ok": true}``, no id, and lists labels four to a page (``{"count", "next",
"results"}``). Both collections are listed and deletable. A scan
must delete every note and label it can tell its own (its body carried a value the
scan made), list as left those it could not tell, and delete nothing it did not make.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import falcon
from tests.conftest import scan_with_identities

from serving import serving

KEYS = {"key-lena-3391": "lena", "key-marc-7710": "marc"}
PAGE = 4
IDENTITIES = """\
identities:
  - name: lena
    headers: {X-Api-Key: key-lena-3391}
  - name: marc
    headers: {X-Api-Key: key-marc-7710}
"""
NOTE = {
    "type": "object",
    "properties": {
        "id": {"type": "integer", "readOnly": True},
        "title": {"type": "string", "maxLength": 80},
        "text": {"type": "string", "maxLength": 400},
    },
}
LABEL = {
    "type": "object",
    "properties": {"id": {"type": "integer", "readOnly": True}, "name": {"type": "string"}},
}


def _collection(schema: dict[str, Any], made: dict[str, Any]) -> dict[str, Any]:
    return {
        "get": {
            "responses": {
                "200": {
                    "description": "yours",
                    "content": {"application/json": {"schema": {"type": "array", "items": schema}}},
                }
            }
        },
        "post": {
            "requestBody": {"required": True, "content": {"application/json": {"schema": schema}}},
            "responses": {"201": made},
        },
    }


def _item(name: str) -> dict[str, Any]:
    return {
        "delete": {
            "parameters": [
                {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}
            ],
            "responses": {"204": {"description": "deleted"}},
        }
    }


CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "notes", "version": "1"},
    "security": [{"key": []}],
    "components": {
        "securitySchemes": {"key": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}}
    },
    "paths": {
        "/notes": _collection(
            NOTE,
            {"description": "made", "content": {"application/json": {"schema": NOTE}}},
        ),
        "/notes/{note_id}": _item("note_id"),
        "/labels": _collection(LABEL, {"description": "made (no body to speak of)"}),
        "/labels/{label_id}": _item("label_id"),
    },
}
CONTRACT["paths"]["/labels"]["get"]["responses"]["200"]["content"]["application/json"] = {
    "schema": {
        "type": "object",
        "properties": {
            "count": {"type": "integer"},
            "next": {"type": "string", "nullable": True},
            "previous": {"type": "string", "nullable": True},
            "results": {"type": "array", "items": LABEL},
        },
    }
}


class Notes:
    """Notes and labels per user; the notification hook fails every other note."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[int, dict[str, Any]]] = {
            "notes": {1: {"id": 1, "title": "Groceries", "text": "eggs", "by": "lena"}},
            "labels": {1: {"id": 1, "name": "home", "by": "marc"}},
        }
        self.serial = itertools.count(2)
        self.hook = itertools.cycle([False, True])

    def app(self) -> falcon.App:
        """The service as a WSGI app."""
        api = falcon.App()
        api.add_route("/openapi.json", _Contract())
        for name in ("notes", "labels"):
            api.add_route(f"/{name}", _Collection(self, name))
            api.add_route(f"/{name}/{{item_id:int}}", _Item(self, name))
        return api

    def caller(self, req: falcon.Request) -> str:
        """The key's owner, or Falcon's 401."""
        who = KEYS.get(req.get_header("X-Api-Key") or "")
        if who is None:
            raise falcon.HTTPUnauthorized(description="a valid X-Api-Key is required")
        return who


class _Contract:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = CONTRACT


class _Collection:
    def __init__(self, notes: Notes, name: str) -> None:
        self.notes, self.name = notes, name

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        who = self.notes.caller(req)
        rows = self.notes.rows[self.name].values()
        mine = [{k: v for k, v in r.items() if k != "by"} for r in rows if r["by"] == who]
        if self.name == "notes":
            resp.media = mine
            return
        # Labels come a page at a time, as Django REST Framework pages them.
        page = req.get_param_as_int("page") or 1
        more = len(mine) > page * PAGE
        link = f"{req.prefix}/labels?page={page + 1}" if more else None
        shown = mine[(page - 1) * PAGE : page * PAGE]
        resp.media = {"count": len(mine), "next": link, "previous": None, "results": shown}

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        who = self.notes.caller(req)
        body = req.get_media(default_when_empty={})
        if not isinstance(body, dict):
            raise falcon.HTTPBadRequest(description="a JSON object is expected")
        row = {k: str(v)[:400] for k, v in body.items() if k in {"title", "text", "name"}}
        row.update(id=next(self.notes.serial), by=who)
        self.notes.rows[self.name][row["id"]] = row
        if self.name == "labels":
            resp.status, resp.media = falcon.HTTP_201, {"ok": True}
            return
        if next(self.notes.hook):
            raise falcon.HTTPInternalServerError(description="notification hook failed")
        resp.status, resp.media = falcon.HTTP_201, {k: v for k, v in row.items() if k != "by"}


class _Item:
    def __init__(self, notes: Notes, name: str) -> None:
        self.notes, self.name = notes, name

    def on_delete(self, req: falcon.Request, resp: falcon.Response, item_id: int) -> None:
        who = self.notes.caller(req)
        row = self.notes.rows[self.name].get(item_id)
        if row is None or row["by"] != who:
            raise falcon.HTTPNotFound()
        del self.notes.rows[self.name][item_id]
        resp.status = falcon.HTTP_204


def test_what_a_creation_made_unseen_is_found_and_deleted(tmp_path: Path) -> None:
    """Every row the scan made that carries a value it made is deleted; the rest are listed."""
    notes = Notes()
    with serving(notes.app(), wsgi=True) as url:
        result, report = scan_with_identities(url, IDENTITIES, tmp_path)
    assert result.returncode in {0, 1}, result.stdout[-3000:]
    assert notes.rows["notes"][1]["title"] == "Groceries"
    assert notes.rows["labels"][1]["name"] == "home"
    stayed = {name: [r for i, r in rows.items() if i != 1] for name, rows in notes.rows.items()}
    # What stays holds no value the scan made (a probe replaced it): nothing could tell it.
    made = [r for rows in stayed.values() for r in rows if any(_made(v) for v in r.values())]
    assert made == [], made
    # What nothing could tell stays listed: a label answered 201 without an id, a note
    # answered 500 whose body held no value of the scan's.
    left = [r["object"] for r in report["tables"]["target_state"] if r["state"] == "left"]
    for name, rows in stayed.items():
        listed = sum(_count(o) for o in left if o.endswith(f"POST /{name}"))
        assert listed >= len(rows), (left, stayed)


def _count(row: str) -> int:
    """How many objects a report row names: ``5 made by POST /labels``, else one."""
    first = row.split(" ", 1)[0]
    return int(first) if first.isdigit() else 1


def _made(value: Any) -> bool:
    return isinstance(value, str) and value.lower().startswith("apiward")
