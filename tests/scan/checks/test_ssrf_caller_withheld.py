"""ssrf: an identity whose import names another's lease passes the probes to the next.

The Flask trial's ``POST /api/v2/documents/import`` fetches the ``url`` it is given and
files the document under a ``lease_id``. The platform admin, the first identity
asked, owns no lease, so its request named one it does not own and was not sent; the check
stopped there, and the server-side fetch went unreported. A manager's own request names
its own lease: it sends the probes now. In the Flask app below the admin manages no lease
and lists none; the import fetches any URL.
"""

from __future__ import annotations

import itertools
import urllib.request
from pathlib import Path
from typing import Any

import flask
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: root, role: admin, rank: 10, headers: {Authorization: Token rw-root}}
  - {name: mia, role: manager, rank: 1, headers: {Authorization: Token rw-mia}}
  - {name: ned, role: manager, rank: 1, headers: {Authorization: Token rw-ned}}
"""
USERS = {"Token rw-root": "root", "Token rw-mia": "mia", "Token rw-ned": "ned"}
LEASES = [{"id": 1, "manager": "mia", "unit": "4B"}, {"id": 2, "manager": "ned", "unit": "1A"}]
_OK = {"200": {"description": "OK", "content": {"application/json": {"schema": {}}}}}
_ID = [{"name": "document_id", "in": "path", "required": True, "schema": {"type": "integer"}}]
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "Rentwise", "version": "2"},
    "security": [{"token": []}],
    "components": {
        "securitySchemes": {"token": {"type": "apiKey", "in": "header", "name": "Authorization"}}
    },
    "paths": {
        "/api/v2/leases": {"get": {"summary": "Leases you manage", "responses": _OK}},
        "/api/v2/documents/import": {
            "post": {
                "summary": "Import a document from a URL (the server downloads it)",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["title", "url", "lease_id"],
                                "properties": {
                                    "url": {"type": "string", "format": "url"},
                                    "title": {"type": "string", "maxLength": 160},
                                    "lease_id": {"type": "integer"},
                                },
                            }
                        }
                    },
                },
                "responses": {"201": _OK["200"]},
            }
        },
        "/api/v2/documents/{document_id}": {
            "get": {"parameters": _ID, "responses": _OK},
            "delete": {"parameters": _ID, "responses": {"204": {"description": "Deleted"}}},
        },
    },
}


def app_of() -> tuple[flask.Flask, dict[int, dict[str, Any]]]:
    """The API and its documents."""
    app = flask.Flask("rentwise")
    app.add_url_rule("/openapi.json", "spec", lambda: CONTRACT)
    ids = itertools.count(1)
    documents: dict[int, dict[str, Any]] = {}

    def who() -> str | None:
        return USERS.get(flask.request.headers.get("Authorization", ""))

    leases = [dict(lease) for lease in LEASES]

    @app.get("/api/v2/leases")
    def listing() -> Any:
        user = who()
        if user is None:
            return {"code": 401, "status": "Unauthorized"}, 401
        return {"_embedded": {"leases": [x for x in leases if x["manager"] == user]}}

    @app.post("/api/v2/documents/import")
    def import_() -> Any:
        user = who()
        if user is None:
            return {"code": 401, "status": "Unauthorized"}, 401
        sent = flask.request.get_json(silent=True) or {}
        url = str(sent.get("url", ""))
        if not url.startswith("http://127.0.0.1:"):  # the test's own safety net
            return {"code": 422, "errors": {"url": ["unreachable"]}}, 422
        try:
            with urllib.request.urlopen(url, timeout=2) as fetched:
                size = len(fetched.read())
        except OSError:
            size = 0
        doc = {"id": next(ids), "title": sent.get("title"), "size": size, "owner": user}
        documents[doc["id"]] = doc
        return doc, 201

    @app.route("/api/v2/documents/<int:document_id>", methods=["GET", "DELETE"])
    def document(document_id: int) -> Any:
        doc = documents.get(document_id)
        if doc is None or doc["owner"] != who():
            return {"code": 404, "status": "Not Found"}, 404
        if flask.request.method == "DELETE":
            del documents[document_id]
            return "", 204
        return doc

    return app, documents


def test_the_import_is_probed_by_an_identity_whose_own_request_may_go(tmp_path: Path) -> None:
    """A high ssrf finding on the import, and no document left."""
    app, documents = app_of()
    with serving(app, wsgi=True) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "ssrf")
    assert done.returncode in {0, 1}, done.stdout[-3000:]
    found = [f for f in report["findings"] if f["check"] == "ssrf"]
    assert [f["operation"] for f in found] == ["POST /api/v2/documents/import"], report["skipped"]
    assert not documents
