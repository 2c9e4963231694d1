"""path_traversal on tiny apps: a path parameter joined to a folder; silent when resolved and confined."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI, HTTPException
from fastapi.responses import PlainTextResponse
from injection_support import found, scan_app

from apiward.scan.checks.path_traversal import PathTraversal


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
