"""id_enumeration: a colleague's record counted to is the tenant's, not a stranger's.

The Rails trial's recruiter rita counted from her interview note to the next one, which
another Acme interviewer had written: staff of the company read its notes by design. The
check asked one peer, ruth, who works at Acme too and read it, so it called the note a
stranger's (medium). Asking a second peer, rob of Globex, who is refused it, shows the
note is scoped to the company. A Flask hiring API; in the flawed twin notes are read
across companies, which counting still finds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, request
from flask.typing import ResponseReturnValue
from ownership_support import scan_app

from apiward.core.findings import Severity
from apiward.scan import Identity
from apiward.scan.checks.id_enumeration import IdEnumeration

STAFF = {"hl-rita": ("rita", "acme"), "hl-ruth": ("ruth", "acme"), "hl-rob": ("rob", "globex")}
NOTES = {
    1: {"id": 1, "company": "acme", "author": "rita", "body": "Strong system design", "rating": 4},
    2: {
        "id": 2,
        "company": "acme",
        "author": "hank",
        "body": "Salary expectation 72k",
        "rating": 3,
    },
    3: {"id": 3, "company": "globex", "author": "rob", "body": "Great bedside manner", "rating": 5},
    4: {
        "id": 4,
        "company": "acme",
        "author": "ruth",
        "body": "Notice period 3 months",
        "rating": 4,
    },
    5: {"id": 5, "company": "globex", "author": "hilda", "body": "References pending", "rating": 2},
}
SPEC: dict[str, Any] = {
    "openapi": "3.0.1",
    "info": {"title": "hiring", "version": "v1"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/my/interview_notes": {"get": {"summary": "Notes I wrote", "responses": {"200": {"description": "OK"}}}},
        "/interview_notes/{id}": {
            "get": {"summary": "Show an interview note",
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}],
                    "responses": {"200": {"description": "OK"}, "404": {"description": "Not Found"}}}
        },
    },
}  # fmt: skip


def hiring(*, scoped: bool) -> Flask:
    """The app; ``scoped``: a note is read by its company's staff only."""
    app = Flask("hiring")

    def caller() -> tuple[str, str] | None:
        return STAFF.get(request.headers.get("Authorization", "").removeprefix("Bearer "))

    @app.get("/openapi.json")
    def spec() -> ResponseReturnValue:
        return SPEC

    @app.get("/my/interview_notes")
    def mine() -> ResponseReturnValue:
        who = caller()
        if who is None:
            return {"error": "unauthorized"}, 401
        return {"interview_notes": [n for n in NOTES.values() if n["author"] == who[0]]}

    @app.get("/interview_notes/<int:id>")
    def show(id: int) -> ResponseReturnValue:
        who, note = caller(), NOTES.get(id)
        if who is None:
            return {"error": "unauthorized"}, 401
        if note is None or (scoped and note["company"] != who[1]):
            return {"error": "not found"}, 404
        return {"interview_note": note}

    return app


@pytest.mark.parametrize("scoped", [False, True], ids=["across-companies", "company-scoped"])
def test_counting_to_a_colleagues_note_is_no_finding(
    serve: Callable[..., Any], scoped: bool
) -> None:
    """Company-scoped notes: nothing; notes read across companies: found by counting."""
    server = serve(hiring(scoped=scoped), wsgi=True)
    people = tuple(
        Identity(name=name, role="recruiter", headers={"Authorization": f"Bearer {token}"})
        for token, (name, _) in STAFF.items()
    )
    results = scan_app(server.url, IdEnumeration(), people)
    assert results.errors == []
    loud = [f for f in results.findings if f.severity > Severity.LOW]
    assert bool(loud) is not scoped, loud
