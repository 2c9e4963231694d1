"""unsafe_consumption on tiny apps: fetched HTML served back as a page, or JSON fields stored; silent when sanitised."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from fastapi import FastAPI, HTTPException, Response
from injection_support import found, scan_app
from pydantic import BaseModel

from apiward.core.findings import Severity
from apiward.scan.checks.unsafe_consumption import UnsafeConsumption


class Import(BaseModel):
    """A document to import."""

    source: str


async def _fetch(url: str) -> httpx.Response:
    async with httpx.AsyncClient(trust_env=False, timeout=2) as client:
        try:
            return await client.get(url)
        except httpx.HTTPError as error:
            raise HTTPException(422, "cannot fetch") from error


def _importer(*, serve_as_is: bool) -> FastAPI:
    app = FastAPI()
    pages: dict[str, tuple[bytes, str]] = {}

    @app.post("/documents", status_code=201)
    async def create(body: Import) -> dict[str, str]:
        fetched = await _fetch(body.source)
        key = str(uuid.uuid4())
        pages[key] = (fetched.content, fetched.headers.get("content-type", ""))
        return {"id": key}

    @app.get("/documents/{document_id}")
    async def read(document_id: str) -> Response:
        if document_id not in pages:
            raise HTTPException(404)
        content, kind = pages[document_id]
        return Response(content, media_type=kind if serve_as_is else "text/plain")

    return app


def _profile_app() -> FastAPI:
    app = FastAPI()
    profile: dict[str, Any] = {}

    @app.put("/profile/card")
    async def card(body: Import) -> dict[str, str]:
        fetched = await _fetch(body.source)
        if "json" in fetched.headers.get("content-type", ""):
            profile.update(fetched.json())
        return {"ok": "yes"}

    @app.get("/profile")
    async def read() -> dict[str, Any]:
        return profile

    return app


def test_html_served_back_from_own_origin_is_high() -> None:
    """Fetched HTML served back by the created object's GET with its type is a high finding.

    Nothing deletes a document, so a default scan imports none: only --aggressive does,
    which this disposable app allows.
    """
    results = scan_app(_importer(serve_as_is=True), [UnsafeConsumption(wait=0.5)], aggressive=True)
    [finding] = found(results, "unsafe_consumption")
    assert finding.operation == "POST /documents"
    assert finding.severity is Severity.HIGH


def test_injected_json_field_stored_is_medium() -> None:
    """Fields of a fetched JSON document that show up in the API's own data are a medium finding.

    No GET reads /profile/card back, so a default scan never writes it (it could not be
    restored): only --aggressive does, which this disposable app allows.
    """
    results = scan_app(_profile_app(), [UnsafeConsumption(wait=0.5)], aggressive=True)
    [finding] = found(results, "unsafe_consumption")
    assert finding.operation == "PUT /profile/card"
    assert finding.severity is Severity.MEDIUM


def test_silent_when_served_as_plain_text() -> None:
    """Fetched content served back as text/plain (not active, not parsed) is not flagged."""
    checks = [UnsafeConsumption(wait=0.5)]
    results = scan_app(_importer(serve_as_is=False), checks, aggressive=True)
    assert found(results, "unsafe_consumption", at_least=Severity.INFO) == []
    assert results.errors == []
