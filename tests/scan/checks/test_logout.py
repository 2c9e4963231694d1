"""logout: a session that still works after it was logged out."""

import secrets
from typing import Annotated, Any

from auth_support import scan_only, user
from fastapi import Depends, FastAPI, Header, HTTPException
from pydantic import BaseModel

from apiward.core.findings import Severity
from apiward.scan.checks.logout import LogoutNotRevoking
from apiward.scan.flows import is_logout
from apiward.spec import Operation

PASSWORDS = {"maria": "maria-pw-1", "tom": "tom-pw-1"}


class Login(BaseModel):
    """A login body."""

    username: str
    password: str


def _notes_api(*, revokes: bool) -> FastAPI:
    """Opaque tokens in a dict; the careless twin's logout only says goodbye."""
    app = FastAPI(title="notes")
    sessions: dict[str, str] = {}

    def current(authorization: Annotated[str, Header()] = "") -> str:
        token = authorization.removeprefix("Bearer ")
        if token not in sessions:
            raise HTTPException(401, "Not authenticated")
        return token

    @app.post("/auth/login")
    def login(body: Login) -> dict[str, str]:
        if PASSWORDS.get(body.username) != body.password:
            raise HTTPException(401, "Incorrect username or password")
        token = secrets.token_urlsafe(16)
        sessions[token] = body.username
        return {"access_token": token, "token_type": "bearer"}

    @app.post("/auth/logout")
    def logout(token: Annotated[str, Depends(current)]) -> dict[str, str]:
        if revokes:
            del sessions[token]
        return {"detail": "Successfully logged out"}

    @app.get("/notes")
    def notes(token: Annotated[str, Depends(current)]) -> list[dict[str, Any]]:
        return [{"id": 1, "owner": sessions[token], "text": f"{sessions[token]}'s shopping"}]

    return app


def _identities() -> tuple[Any, ...]:
    return tuple(user(name, pw, path="/auth/login") for name, pw in PASSWORDS.items())


def test_a_logout_that_leaves_the_token_valid_is_found(serve: Any) -> None:
    """After logout, the same token still reads the notes: medium, CWE-613, on the logout."""
    server = serve(_notes_api(revokes=False))
    results = scan_only(server.url, [LogoutNotRevoking()], _identities())
    [finding] = results.findings
    assert finding.operation == "POST /auth/logout"
    assert (finding.severity, finding.cwe) == (Severity.MEDIUM, "CWE-613")
    assert results.errors == []


def test_silent_when_logout_revokes_and_identities_keep_working(serve: Any) -> None:
    """A revoking logout gives nothing, and the identity's own session was never the one ended."""
    server = serve(_notes_api(revokes=True))
    results = scan_only(server.url, [LogoutNotRevoking()], _identities())
    assert results.findings == []
    assert results.errors == []
    assert not [s for s in results.skipped if s.check == "logout"]


def test_logging_out_everywhere_is_never_a_probe() -> None:
    """Only single-session logouts qualify; 'everywhere' ones are destructive."""

    def op(path: str, operation_id: str | None = None) -> Operation:
        return Operation(method="POST", path=path, operation_id=operation_id)

    assert is_logout(op("/auth/logout"))
    assert is_logout(op("/session", "signOut"))
    assert not is_logout(op("/auth/logout-all"))
    assert not is_logout(op("/sessions/revoke", "revokeAllSessions"))
    assert not is_logout(op("/users/{id}", "updateUser"))
