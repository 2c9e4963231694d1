"""path_traversal on tiny apps: a path parameter joined to a folder; silent when resolved and confined."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI, HTTPException
from injection_support import found, scan_app, scan_url
from pydantic import BaseModel, Field
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from apiward.scan.checks.path_traversal import PathTraversal
from serving import serving


def _app(folder: Path, *, confined: bool) -> FastAPI:
    app = FastAPI()
    (folder / "readme.txt").write_text("hello")

    @app.get("/attachments/{filename:path}", response_class=PlainTextResponse)
    async def attachment(filename: str) -> str:
        path = folder / filename
        if confined and not path.resolve().is_relative_to(folder.resolve()):
            raise HTTPException(404)
        if not path.is_file():
            raise HTTPException(404)
        return path.read_text()

    return app


def test_path_parameter_traversal_found(tmp_path: Path) -> None:
    """A file name in the path joined without resolving reads /etc/passwd: a finding."""
    if not Path("/etc/passwd").is_file():
        pytest.skip("no /etc/passwd on this system")
    results = scan_app(_app(tmp_path, confined=False), [PathTraversal()])
    [finding] = found(results, "path_traversal")
    assert finding.key == "path:filename"
    assert "root:" in finding.evidence[-1].response.body  # type: ignore[union-attr]


def test_silent_when_confined(tmp_path: Path) -> None:
    """Resolving and confining the path to the folder gives no finding."""
    results = scan_app(_app(tmp_path, confined=True), [PathTraversal()])
    assert results.findings == []
    assert results.errors == []


def _nullable_app(folder: Path) -> Starlette:
    """``GET /download?file=``, declared ``{type: string, nullable: true}`` (OpenAPI 3.0)."""
    (folder / "readme.txt").write_text("hello")
    file = {"type": "string", "nullable": True, "example": "readme.txt"}
    spec = {
        "openapi": "3.0.3",
        "info": {"title": "files", "version": "1"},
        "paths": {
            "/download": {
                "get": {
                    "parameters": [{"name": "file", "in": "query", "schema": file}],
                    "responses": {"200": {"description": "the file"}},
                }
            }
        },
    }

    async def contract(_: Request) -> Response:
        return JSONResponse(spec)

    async def download(request: Request) -> Response:
        path = folder / request.query_params.get("file", "readme.txt")
        if not path.is_file():
            return PlainTextResponse("no such file", status_code=404)
        return PlainTextResponse(path.read_text())

    return Starlette(routes=[Route("/openapi.json", contract), Route("/download", download)])


def test_a_nullable_file_name_is_probed_too(tmp_path: Path) -> None:
    """A file name declared nullable (a list of types once loaded) is a string input: found."""
    if not Path("/etc/passwd").is_file():
        pytest.skip("no /etc/passwd on this system")
    with serving(_nullable_app(tmp_path)) as url:
        results = scan_url(url, [PathTraversal()])
    assert [f.key for f in found(results, "path_traversal")] == ["query:file"]


class Export(BaseModel):
    """An export's body: the file it writes."""

    filename: str = Field(examples=["attendees.csv"])


def test_a_write_is_never_sent_a_system_files_path() -> None:
    """An export that writes the file its body names gets no traversal payload: it could
    overwrite what the path names (the Litestar trial's export moved its CSV there)."""
    app = FastAPI()
    written: list[str] = []

    @app.post("/exports", status_code=201)
    async def export(body: Export) -> dict[str, str]:
        written.append(body.filename)  # where a naive export would write
        return {"saved": body.filename}

    results = scan_app(app, [PathTraversal()], aggressive=True)
    assert not any("passwd" in n or "win.ini" in n for n in written), written
    assert any("never sent a system file's path" in s.detail for s in results.skipped)
