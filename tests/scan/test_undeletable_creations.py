"""A default scan creates nothing the contract gives no way to delete.

A herbarium in Falcon (a hand-kept contract, Falcon's ``{"title", "description"}`` errors):
its specimens are a shared catalogue anyone reads; curators add to it with ``POST
/specimens`` (201, an accession code ``HB-0004``), and nothing in the contract removes a
specimen. Any signed-in user files loan requests, which it reads and withdraws (``DELETE
/loan-requests/{request_id}``). Both take free text (a label, a locality, a note) and echo
it back harmlessly. The Fastify trial's injection probes left ten stations full of SQL and
shell strings in such a catalogue: by default, every creation there (the harvest's, each
check's baseline and probes) is withheld with the reason ``KEPT``, while loan requests are
probed and withdrawn; ``--aggressive`` sends the creations and lists what they left.
"""

from __future__ import annotations

import copy
import itertools
import json
import secrets
import threading
from typing import Any

import falcon
import pytest
from tests.conftest import scan_with_identities

from apiward.scan.check import SkipReason
from serving import serving

USERS = {
    "ana@herbarium.test": ("curator", "pressed-ferns-41"),
    "ben@herbarium.test": ("curator", "dried-moss-77"),
    "cleo@herbarium.test": ("visitor", "seed-bank-23"),
}
SPECIMENS = {
    "HB-0001": {"label": "Dryopteris filix-mas", "locality": "Glen Affric", "collector": "ana"},
    "HB-0002": {"label": "Sphagnum palustre", "locality": "Rannoch Moor", "collector": "ben"},
    "HB-0003": {"label": "Drosera rotundifolia", "locality": "Flanders Moss", "collector": "ana"},
}
IDENTITIES = "identities:\n" + "".join(
    f"  - name: {email.split('@')[0]}\n    role: {role}\n    login: {{operation: POST "
    f"/auth/token, json: {{email: {email}, password: {password}}}, token: token}}\n"
    for email, (role, password) in USERS.items()
)
INPUT_CHECKS = {"sql_injection", "command_injection", "template_injection", "nosql_injection"}

_TEXT = {"type": "string", "maxLength": 200}
_SPECIMEN = {
    "type": "object",
    "properties": {
        "accession": {"type": "string", "readOnly": True},
        "label": _TEXT,
        "locality": _TEXT,
        "collector": {"type": "string", "readOnly": True},
    },
}
_LOAN = {
    "type": "object",
    "properties": {
        "request_id": {"type": "integer", "readOnly": True},
        "note": _TEXT,
        "sheets": {"type": "integer", "minimum": 1, "maximum": 5},
    },
}
_ERROR = {
    "description": "an error",
    "content": {"application/json": {"schema": {"type": "object"}}},
}


def _ok(schema: dict[str, Any], what: str = "ok") -> dict[str, Any]:
    return {"description": what, "content": {"application/json": {"schema": schema}}}


def _body(schema: dict[str, Any], *required: str) -> dict[str, Any]:
    return {
        "required": True,
        "content": {"application/json": {"schema": {**schema, "required": list(required)}}},
    }


_ID = {"name": "request_id", "in": "path", "required": True, "schema": {"type": "integer"}}
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Herbarium",
        "version": "2.1",
        "description": "The specimen catalogue is public: anyone may list and read it.",
    },
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/auth/token": {
            "post": {
                "security": [],
                "requestBody": _body(
                    {"type": "object", "properties": {"email": _TEXT, "password": _TEXT}},
                    "email",
                    "password",
                ),
                "responses": {"200": _ok({"type": "object"}), "401": _ERROR},
            }
        },
        "/me": {"get": {"responses": {"200": _ok({"type": "object"})}}},
        "/specimens": {
            "get": {
                "security": [],
                "summary": "Public catalogue of specimens",
                "responses": {"200": _ok({"type": "array", "items": _SPECIMEN})},
            },
            "post": {
                "summary": "Accession a specimen (curators)",
                "requestBody": _body(_SPECIMEN, "label", "locality"),
                "responses": {"201": _ok(_SPECIMEN), "403": _ERROR, "422": _ERROR},
            },
        },
        "/specimens/{accession}": {
            "get": {
                "security": [],
                "summary": "Public record of a specimen",
                "parameters": [
                    {"name": "accession", "in": "path", "required": True, "schema": _TEXT}
                ],
                "responses": {"200": _ok(_SPECIMEN), "404": _ERROR},
            }
        },
        "/loan-requests": {
            "get": {"responses": {"200": _ok({"type": "array", "items": _LOAN})}},
            "post": {
                "requestBody": _body(_LOAN, "note", "sheets"),
                "responses": {"201": _ok(_LOAN), "422": _ERROR},
            },
        },
        "/loan-requests/{request_id}": {
            "get": {"parameters": [_ID], "responses": {"200": _ok(_LOAN), "404": _ERROR}},
            "delete": {
                "parameters": [_ID],
                "responses": {"204": {"description": "withdrawn"}, "404": _ERROR},
            },
        },
    },
}


class Herbarium:
    """One herbarium with its own state, as a Falcon WSGI app."""

    def __init__(self) -> None:
        self.specimens = copy.deepcopy(SPECIMENS)
        self.loans: dict[int, dict[str, Any]] = {}
        self.numbers = itertools.count(1)
        self.tokens: dict[str, str] = {}
        self.lock = threading.Lock()
        self.app = falcon.App()
        self.app.add_route("/openapi.json", _Spec())
        self.app.add_route("/auth/token", _Token(self))
        self.app.add_route("/me", _Me(self))
        self.app.add_route("/specimens", _Specimens(self))
        self.app.add_route("/specimens/{accession}", _Specimens(self), suffix="one")
        self.app.add_route("/loan-requests", _Loans(self))
        self.app.add_route("/loan-requests/{request_id:int}", _Loans(self), suffix="one")

    def caller(self, req: falcon.Request) -> str:
        """The signed-in user's e-mail; 401 without a session."""
        token = (req.get_header("Authorization") or "").removeprefix("Bearer ").strip()
        if token not in self.tokens:
            raise falcon.HTTPUnauthorized(title="Unauthorized", description="sign in first")
        return self.tokens[token]


def _media(req: falcon.Request) -> dict[str, Any]:
    try:
        body = json.loads(req.bounded_stream.read() or b"null")
    except ValueError:
        raise falcon.HTTPBadRequest(title="Bad request", description="not JSON") from None
    if not isinstance(body, dict):
        raise falcon.HTTPBadRequest(title="Bad request", description="expected an object")
    return body


def _text(body: dict[str, Any], *names: str) -> list[str]:
    values = [body.get(n) for n in names]
    if not all(isinstance(v, str) and 0 < len(v) <= 200 for v in values):
        raise falcon.HTTPUnprocessableEntity(title="Invalid", description=f"{names} are text")
    return [str(v) for v in values]


class _Spec:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = SPEC


class _Token:
    def __init__(self, herbarium: Herbarium) -> None:
        self.herbarium = herbarium

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = _media(req)
        email = str(body.get("email"))
        if email not in USERS or USERS[email][1] != body.get("password"):
            raise falcon.HTTPUnauthorized(title="Unauthorized", description="wrong credentials")
        token = secrets.token_urlsafe(16)
        self.herbarium.tokens[token] = email
        resp.media = {"token": token}


class _Me:
    def __init__(self, herbarium: Herbarium) -> None:
        self.herbarium = herbarium

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        email = self.herbarium.caller(req)
        resp.media = {"email": email, "role": USERS[email][0]}


class _Specimens:
    def __init__(self, herbarium: Herbarium) -> None:
        self.herbarium = herbarium

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = [{"accession": k, **v} for k, v in sorted(self.herbarium.specimens.items())]

    def on_get_one(self, req: falcon.Request, resp: falcon.Response, accession: str) -> None:
        found = self.herbarium.specimens.get(accession)
        if found is None:
            raise falcon.HTTPNotFound(title="Not found", description="no such specimen")
        resp.media = {"accession": accession, **found}

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        email = self.herbarium.caller(req)
        if USERS[email][0] != "curator":
            raise falcon.HTTPForbidden(title="Forbidden", description="curators only")
        label, locality = _text(_media(req), "label", "locality")
        with self.herbarium.lock:
            accession = f"HB-{len(self.herbarium.specimens) + 1:04d}"
            record = {"label": label, "locality": locality, "collector": email.split("@")[0]}
            self.herbarium.specimens[accession] = record
        resp.status = falcon.HTTP_201
        resp.media = {"accession": accession, **record}


class _Loans:
    def __init__(self, herbarium: Herbarium) -> None:
        self.herbarium = herbarium

    def _own(self, req: falcon.Request, request_id: int) -> dict[str, Any]:
        loan = self.herbarium.loans.get(request_id)
        if loan is None or loan["by"] != self.herbarium.caller(req):
            raise falcon.HTTPNotFound(title="Not found", description="no such request")
        return loan

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        email = self.herbarium.caller(req)
        loans = self.herbarium.loans.items()
        resp.media = [_loan(n, loan) for n, loan in loans if loan["by"] == email]

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        email = self.herbarium.caller(req)
        body = _media(req)
        (note,) = _text(body, "note")
        sheets = body.get("sheets")
        if not isinstance(sheets, int) or isinstance(sheets, bool) or not 1 <= sheets <= 5:
            raise falcon.HTTPUnprocessableEntity(title="Invalid", description="sheets: 1 to 5")
        number = next(self.herbarium.numbers)
        self.herbarium.loans[number] = {"by": email, "note": note, "sheets": sheets}
        resp.status = falcon.HTTP_201
        resp.media = _loan(number, self.herbarium.loans[number])

    def on_get_one(self, req: falcon.Request, resp: falcon.Response, request_id: int) -> None:
        resp.media = _loan(request_id, self._own(req, request_id))

    def on_delete_one(self, req: falcon.Request, resp: falcon.Response, request_id: int) -> None:
        self._own(req, request_id)
        del self.herbarium.loans[request_id]
        resp.status = falcon.HTTP_204


def _loan(number: int, loan: dict[str, Any]) -> dict[str, Any]:
    return {"request_id": number, "note": loan["note"], "sheets": loan["sheets"]}


def _scan(tmp_path_factory: pytest.TempPathFactory, *mode: str) -> tuple[Herbarium, Any, Any]:
    herbarium = Herbarium()
    folder = tmp_path_factory.mktemp("herbarium")
    with serving(herbarium.app, wsgi=True) as url:
        result, report = scan_with_identities(url, IDENTITIES, folder, *mode)
    return herbarium, result, report


@pytest.fixture(scope="module")
def default(tmp_path_factory: pytest.TempPathFactory) -> tuple[Herbarium, Any, Any]:
    """A default scan of a fresh herbarium."""
    return _scan(tmp_path_factory)


def _kept(report: dict[str, Any], operation: str) -> dict[str, str]:
    """The checks that withheld ``operation`` because what it makes would stay, with the detail."""
    return {
        s["check"]: s["detail"]
        for s in report["skipped"]
        if s["operation"] == operation and s["reason"] == SkipReason.KEPT.value
    }


def test_the_catalogue_holds_nothing_the_scan_made(default: tuple[Herbarium, Any, Any]) -> None:
    """No specimen is accessioned by a default scan: nothing could ever remove it."""
    herbarium, result, report = default
    assert result.returncode in {0, 1}, result.stdout[-3000:]
    assert herbarium.specimens == SPECIMENS
    assert not [r for r in report["tables"]["target_state"] if "specimens" in r["object"]]


def test_each_withheld_creation_says_why(default: tuple[Herbarium, Any, Any]) -> None:
    """The input checks' skips on the catalogue's creation name the missing DELETE."""
    _, _, report = default
    kept = _kept(report, "POST /specimens")
    assert set(kept) >= INPUT_CHECKS, kept
    assert all("no DELETE for what POST /specimens makes" in d for d in kept.values()), kept


def test_deletable_creations_are_still_probed_and_removed(
    default: tuple[Herbarium, Any, Any],
) -> None:
    """Loan requests, which their owner withdraws, get every probe and are all withdrawn."""
    herbarium, _, report = default
    ran = {r["check"] for r in report["ran"] if r["operation"] == "POST /loan-requests"}
    assert ran >= INPUT_CHECKS, ran
    assert not _kept(report, "POST /loan-requests")
    assert herbarium.loans == {}
    rows = [r for r in report["tables"]["target_state"] if "loan-requests" in r["object"]]
    assert rows, rows
    assert all(r["state"] == "deleted" for r in rows), rows


def test_aggressive_sends_them_and_lists_what_stays(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """--aggressive accessions specimens (the probes' among them) and lists them as left."""
    herbarium, result, report = _scan(tmp_path_factory, "--aggressive")
    assert result.returncode in {0, 1}, result.stdout[-3000:]
    assert not _kept(report, "POST /specimens")
    made = set(herbarium.specimens) - set(SPECIMENS)
    assert made
    rows = [r for r in report["tables"]["target_state"] if "POST /specimens" in r["object"]]
    assert rows, rows
    assert all(r["state"] == "left" for r in rows), rows
