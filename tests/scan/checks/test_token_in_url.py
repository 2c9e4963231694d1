"""token_in_url: the caller's token accepted in the query string, on the demo bank and tiny apps."""

from pathlib import Path
from typing import Annotated, Any

import pytest
from auth_support import scan_demo_only, scan_only
from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.security import APIKeyQuery, HTTPAuthorizationCredentials, HTTPBearer
from tests.scan.trails_app import IDENTITIES, TrailLog

from apiward.core.findings import Severity
from apiward.demo import load_ground_truth, matches
from apiward.scan import Identity, load_identities
from apiward.scan.check import SkipReason
from apiward.scan.checks.token_in_url import TokenInUrl

TOKENS = {"opaque-alice-7f3a": "alice", "opaque-bob-91c2": "bob"}


def test_finds_the_planted_token_in_query_string() -> None:
    """token-in-query-string has a matching finding on the vulnerable bank."""
    results = scan_demo_only([TokenInUrl()], fixed=False)
    flaw = next(f for f in load_ground_truth() if f.id == "token-in-query-string")
    assert [f for f in results.findings if matches(f, flaw)], [f.key for f in results.findings]


def test_silent_on_the_fixed_bank() -> None:
    """No token_in_url finding on the fixed bank, and no scan error."""
    results = scan_demo_only([TokenInUrl()], fixed=True)
    assert [f.key for f in results.findings if f.severity >= Severity.MEDIUM] == []
    assert results.errors == []


def _app(*, query: str | None) -> FastAPI:
    app = FastAPI()
    bearer = HTTPBearer(auto_error=False)

    def caller(
        request: Request, header: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
    ) -> str:
        token = header.credentials if header else request.query_params.get(query or "\0")
        if token not in TOKENS:
            raise HTTPException(401, "authentication required")
        return TOKENS[token]

    @app.get("/v3/whoami", dependencies=[Depends(bearer)])
    def whoami(name: Annotated[str, Depends(caller)]) -> dict[str, str]:
        return {"name": name, "plan": f"{name}-plan"}

    @app.get("/v3/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _identities() -> tuple[Identity, ...]:
    return tuple(
        Identity(name=name, role="user", headers={"Authorization": f"Bearer {token}"})
        for token, name in TOKENS.items()
    )


@pytest.mark.parametrize("name", ["jwt", "token"], ids=["jwt", "token"])
def test_finds_an_opaque_token_in_another_parameter(serve: Any, name: str) -> None:
    """An opaque bearer token accepted in ?jwt= or ?token= is found, under that name."""
    results = scan_only(serve(_app(query=name)).url, [TokenInUrl()], _identities())
    assert [(f.key, f.operation) for f in results.findings] == [(name, "GET /v3/whoami")]
    assert "authorization" not in {
        k.lower() for k, _ in results.findings[0].evidence[-1].request.headers
    }


def test_silent_when_the_query_is_ignored(serve: Any) -> None:
    """An API that only reads the Authorization header yields nothing."""
    results = scan_only(serve(_app(query=None)).url, [TokenInUrl()], _identities())
    assert results.findings == []
    assert results.errors == []


@pytest.mark.parametrize("resign", [True, False], ids=["re-signed", "kept"])
def test_a_session_renewed_with_every_answer_is_a_skip_not_a_crash(
    serve: Any, tmp_path: Path, resign: bool
) -> None:
    """A Flask session re-signed on each answer skips as inconclusive; a kept one is tried."""
    url = serve(TrailLog(owned=True, resign=resign).app(), wsgi=True).url
    (tmp_path / "ids.yaml").write_text(IDENTITIES)
    results = scan_only(url, [TokenInUrl()], load_identities(tmp_path / "ids.yaml"))
    assert (results.errors, results.findings) == ([], [])
    renewed = [s.detail for s in results.skipped if s.reason == SkipReason.INCONCLUSIVE]
    assert ["ines's credential changed" in d for d in renewed] == ([True] if resign else [])


def test_a_key_the_contract_declares_in_the_query_is_a_stated_skip(serve: Any) -> None:
    """Where the contract itself offers ?token= as a scheme, the check says why it sent nothing."""
    app = FastAPI()
    bearer = HTTPBearer(auto_error=False)
    in_query = APIKeyQuery(name="token", auto_error=False)

    def caller(
        header: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
        key: Annotated[str | None, Depends(in_query)],
    ) -> str:
        token = header.credentials if header else key
        if token not in TOKENS:
            raise HTTPException(401, "authentication required")
        return TOKENS[token]

    @app.get("/api/me")
    def me(name: Annotated[str, Depends(caller)]) -> dict[str, str]:
        return {"name": name, "plan": f"{name}-plan"}

    results = scan_only(serve(app).url, [TokenInUrl()], _identities())
    assert results.findings == []
    assert [s.reason for s in results.skipped] == [SkipReason.NOT_APPLICABLE]
    assert "'APIKeyQuery' (?token=)" in results.skipped[0].detail
    assert "api-key-in-query" in results.skipped[0].detail
