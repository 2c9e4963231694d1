"""upload_type: an avatar upload that takes HTML and serves it back inline."""

from typing import Annotated, Any

from fastapi import FastAPI, File, Header, HTTPException, Response, UploadFile
from tiny_support import IDENTITIES, scan_app

from apiward.core.findings import Confidence, Severity
from apiward.scan.checks.upload_type import UploadType


def _pictures(*, checks_content: bool) -> FastAPI:
    """Profile pictures, which their uploader may delete; the careless twin trusts the
    client's type and serves it inline."""
    app = FastAPI(title="pictures")
    stored: dict[int, tuple[str, bytes]] = {}

    def caller(authorization: str) -> str:
        if authorization not in {"Bearer t-alice", "Bearer t-bob"}:
            raise HTTPException(401, "Not authenticated")
        return authorization

    @app.post("/pictures", status_code=201)
    async def upload(
        picture: Annotated[UploadFile, File(description="a profile image")],
        authorization: Annotated[str, Header()] = "",
    ) -> dict[str, Any]:
        caller(authorization)
        content = await picture.read()
        if checks_content and not content.startswith(b"\x89PNG"):
            raise HTTPException(415, "Only PNG images")
        kind = "image/png" if checks_content else (picture.content_type or "")
        number = max(stored, default=0) + 1
        stored[number] = (kind, content)
        return {"id": number, "url": f"/pictures/{number}"}

    @app.delete("/pictures/{picture_id}", status_code=204)
    def remove(picture_id: int, authorization: Annotated[str, Header()] = "") -> None:
        caller(authorization)
        if stored.pop(picture_id, None) is None:
            raise HTTPException(404, "Not Found")

    @app.get("/pictures/{picture_id}")
    def download(picture_id: int) -> Response:
        if picture_id not in stored:
            raise HTTPException(404, "Not Found")
        kind, content = stored[picture_id]
        return Response(content, media_type=kind)

    return app


def test_an_html_upload_served_inline_is_found() -> None:
    """The page comes back as text/html with its marker: high, confirmed, CWE-434."""
    results = scan_app(_pictures(checks_content=False), [UploadType()], identities=IDENTITIES)
    [finding] = results.findings
    assert (finding.operation, finding.key) == ("POST /pictures", "body:picture")
    assert (finding.severity, finding.confidence) == (Severity.HIGH, Confidence.CONFIRMED)
    assert finding.cwe == "CWE-434"


def test_silent_when_the_content_decides_the_type() -> None:
    """A twin that checks the magic bytes refuses the page: nothing."""
    results = scan_app(_pictures(checks_content=True), [UploadType()], identities=IDENTITIES)
    assert results.findings == []
    assert results.errors == []
