"""bfla in a team workspace: members list their own workspaces and edit the records they share.

A Flask API for design teams, with a hand-written contract (tags, bearer tokens, Flask's
default HTML error pages). Each workspace has owners, editors and viewers; two
workspaces, one person of each role in each. Any member lists the workspaces it belongs
to (``GET /workspaces``) and reads one (``GET /workspaces/{slug}``); only owners read
the billing page. Owners and editors add, edit and delete the workspace's records:
an editor changing a record its owner wrote is the design. The flawed API also lets a
viewer edit records (yet not add one); its twin refuses viewers every write.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from flask import Flask, abort, jsonify, request
from ownership_support import scan_app

from apiward.core.findings import Confidence, Severity
from apiward.scan import Identity, Results
from apiward.scan.checks.bfla import Bfla
from serving import serving

MEMBERS = {
    "north": {"owen": "owner", "eli": "editor", "vic": "viewer"},
    "south": {"oona": "owner", "ema": "editor", "val": "viewer"},
}
SPACES = {
    "north": {"slug": "north", "name": "North Studio", "plan": "team", "seats": 3},
    "south": {"slug": "south", "name": "South Works", "plan": "pro", "seats": 3},
}
BILLING = {"north": {"card": "visa ...4242"}, "south": {"card": "amex ...0005"}}
RANKS = {"owner": 3, "editor": 2, "viewer": 1}


def _contract() -> dict[str, Any]:
    def obj(**props: str) -> dict[str, Any]:
        return {"type": "object", "properties": {k: {"type": v} for k, v in props.items()}}

    space = obj(slug="string", name="string", plan="string", seats="integer")
    record = obj(id="integer", title="string", body="string", status="string")
    fields = {"content": {"application/json": {"schema": obj(title="string", body="string")}}}

    def ok(schema: dict[str, Any], code: str = "200") -> dict[str, Any]:
        return {code: {"description": "OK", "content": {"application/json": {"schema": schema}}}}

    def param(name: str, kind: str) -> dict[str, Any]:
        return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}

    slug, rid = param("slug", "string"), param("record_id", "integer")
    spaces, records = ["workspaces"], ["records"]
    return {
        "openapi": "3.0.3",
        "info": {"title": "Teamspace", "version": "2.1"},
        "security": [{"bearer": []}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "paths": {
            "/workspaces": {
                "get": {
                    "tags": spaces,
                    "summary": "Workspaces I belong to",
                    "responses": ok({"type": "array", "items": space}),
                }
            },
            "/workspaces/{slug}": {
                "parameters": [slug],
                "get": {"tags": spaces, "summary": "Workspace details", "responses": ok(space)},
            },
            "/workspaces/{slug}/billing": {
                "parameters": [slug],
                "get": {"tags": spaces, "summary": "Billing", "responses": ok(obj(card="string"))},
            },
            "/workspaces/{slug}/records": {
                "parameters": [slug],
                "get": {
                    "tags": records,
                    "summary": "List records",
                    "responses": ok({"type": "array", "items": record}),
                },
                "post": {
                    "tags": records,
                    "summary": "Add a record",
                    "requestBody": fields,
                    "responses": ok(record, "201"),
                },
            },
            "/workspaces/{slug}/records/{record_id}": {
                "parameters": [slug, rid],
                "get": {"tags": records, "summary": "Get a record", "responses": ok(record)},
                "patch": {
                    "tags": records,
                    "summary": "Edit a record",
                    "requestBody": fields,
                    "responses": ok(record),
                },
                "delete": {
                    "tags": records,
                    "summary": "Delete a record",
                    "responses": {"204": {"description": "Deleted"}},
                },
            },
        },
    }


def teamspace(*, viewers_edit: bool) -> tuple[Flask, dict[str, dict[int, dict[str, Any]]]]:
    """The API and its records by workspace; ``viewers_edit`` is the flaw."""
    app = Flask(__name__)
    serial = itertools.count(3)
    records: dict[str, dict[int, dict[str, Any]]] = {
        "north": {1: {"id": 1, "title": "Brand guide", "body": "v3", "status": "draft"}},
        "south": {2: {"id": 2, "title": "Roadmap", "body": "Q3", "status": "final"}},
    }

    def caller() -> str:
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if not token.startswith("tok-"):
            abort(401)
        return token.removeprefix("tok-")

    def role_in(slug: str) -> str:
        who = caller()
        if slug not in MEMBERS or who not in MEMBERS[slug]:
            abort(403)
        return MEMBERS[slug][who]

    def record(slug: str, record_id: int) -> dict[str, Any]:
        role_in(slug)
        if record_id not in records[slug]:
            abort(404)
        return records[slug][record_id]

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(_contract())

    @app.get("/workspaces")
    def mine() -> Any:
        who = caller()
        return jsonify([SPACES[s] for s, people in MEMBERS.items() if who in people])

    @app.get("/workspaces/<slug>")
    def space(slug: str) -> Any:
        role_in(slug)
        return jsonify(SPACES[slug])

    @app.get("/workspaces/<slug>/billing")
    def billing(slug: str) -> Any:
        if role_in(slug) != "owner":
            abort(403)
        return jsonify(BILLING[slug])

    @app.get("/workspaces/<slug>/records")
    def listing(slug: str) -> Any:
        role_in(slug)
        return jsonify(list(records[slug].values()))

    @app.post("/workspaces/<slug>/records")
    def add(slug: str) -> Any:
        if role_in(slug) == "viewer":
            abort(403)
        body = request.get_json(silent=True) or {}
        number = next(serial)
        made = {
            "id": number,
            "title": str(body.get("title", "")),
            "body": str(body.get("body", "")),
        }
        records[slug][number] = made | {"status": "draft"}
        return jsonify(records[slug][number]), 201

    @app.get("/workspaces/<slug>/records/<int:record_id>")
    def show(slug: str, record_id: int) -> Any:
        return jsonify(record(slug, record_id))

    @app.patch("/workspaces/<slug>/records/<int:record_id>")
    def edit(slug: str, record_id: int) -> Any:
        found = record(slug, record_id)
        if role_in(slug) == "viewer" and not viewers_edit:
            abort(403)
        body = request.get_json(silent=True) or {}
        found.update({k: str(body[k]) for k in ("title", "body") if k in body})
        return jsonify(found)

    @app.delete("/workspaces/<slug>/records/<int:record_id>")
    def remove(slug: str, record_id: int) -> Any:
        record(slug, record_id)
        if role_in(slug) == "viewer":
            abort(403)
        records[slug].pop(record_id)
        return "", 204

    return app, records


def _people() -> tuple[Identity, ...]:
    return tuple(
        Identity(
            name=name,
            role=role,
            rank=RANKS[role],
            headers={"Authorization": f"Bearer tok-{name}"},
        )
        for people in MEMBERS.values()
        for name, role in people.items()
    )


def _scan(*, viewers_edit: bool) -> tuple[Results, dict[str, Any]]:
    app, records = teamspace(viewers_edit=viewers_edit)
    with serving(app, wsgi=True) as url:
        results = scan_app(url, Bfla(), _people())
    return results, records


@pytest.fixture(scope="module")
def flawed() -> tuple[Results, dict[str, Any]]:
    """The API whose viewers edit records, scanned with bfla alone."""
    return _scan(viewers_edit=True)


@pytest.fixture(scope="module")
def fixed() -> tuple[Results, dict[str, Any]]:
    """The twin that refuses viewers every write."""
    return _scan(viewers_edit=False)


def test_a_viewer_editing_records_it_may_not_add_is_high(flawed: Any) -> None:
    """A viewer is refused adding records yet edits one the owner made: high, confirmed."""
    results = flawed[0]
    found = [f for f in results.findings if f.operation.endswith("/records/{record_id}")]
    loud = [f for f in found if f.severity >= Severity.MEDIUM]
    assert [(f.operation, f.severity, f.confidence) for f in loud] == [
        ("PATCH /workspaces/{slug}/records/{record_id}", Severity.HIGH, Confidence.CONFIRMED)
    ]
    assert loud[0].title.startswith("vic (viewer)")
    assert "refused adding items there (403)" in loud[0].detail
    assert [e.response.status for e in loud[0].evidence if e.response][-1] == 403


def test_members_see_their_own_workspaces_and_editors_edit_shared_records(fixed: Any) -> None:
    """Listing one's workspaces, reading one's workspace, an editor editing: nothing medium+."""
    results, records = fixed
    assert results.errors == []
    assert [f.title for f in results.findings if f.severity >= Severity.MEDIUM] == []
    assert set(records["north"]) == {1}  # what the scan made is gone, the seeded kept
    assert set(records["south"]) == {2}


def test_an_editor_changing_the_owners_record_is_at_most_a_tentative_note(fixed: Any) -> None:
    """The editor may add records there too: a collaborator, so low and tentative, said why."""
    notes = [f for f in fixed[0].findings if f.operation.startswith("PATCH")]
    assert [(f.severity, f.confidence) for f in notes] == [(Severity.LOW, Confidence.TENTATIVE)]
    assert "eli may add items there too" in notes[0].detail
    assert "policy" in notes[0].detail


def test_reading_ones_own_workspace_is_not_another_roles_data(flawed: Any) -> None:
    """A viewer of north reading north, or listing its workspaces, is no finding at all."""
    reads = [f for f in flawed[0].findings if f.operation.startswith("GET")]
    assert reads == []
