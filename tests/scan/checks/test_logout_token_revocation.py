"""logout: an RFC 7009 revocation is sent the session's own token.

The aiohttp trial logs out with ``POST /oauth/revoke`` and a form body ``token=…``, answered
200 "also when the token was unknown", as RFC 7009 asks. The check sent a synthesised value
there, revoked nothing, read on with the session and reported a logout that does not
revoke (medium), a false finding. The token field now carries the session's own token.
A FastAPI twin: the fixed server revokes what it is sent, the flawed one nothing.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import FastAPI, Form, Header, HTTPException
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - name: dana
    role: dispatcher
    login:
      operation: POST /oauth/token
      form: {grant_type: password, username: dana@swifthaul.test, password: dana-pass-1}
      token: access_token
"""


def app_of(*, flawed: bool) -> FastAPI:
    """The token service and one secured read; ``flawed`` revokes nothing."""
    app = FastAPI(title="Logistics", version="1")
    live: set[str] = set()

    @app.post("/oauth/token", summary="OAuth2 token endpoint (password grant)")
    def token(
        grant_type: Annotated[str, Form()],
        username: Annotated[str, Form()],
        password: Annotated[str, Form()],
    ) -> dict[str, str]:
        if (grant_type, username, password) != ("password", "dana@swifthaul.test", "dana-pass-1"):
            raise HTTPException(400, "invalid_grant")
        issued = secrets.token_urlsafe(24)
        live.add(issued)
        return {"access_token": issued, "token_type": "Bearer"}

    @app.post("/oauth/revoke", summary="Revoke a token (log out)")
    def revoke(token: Annotated[str, Form()]) -> dict[str, bool]:
        if not flawed:
            live.discard(token)
        return {"revoked": True}  # also when the token was unknown (RFC 7009 §2.2)

    @app.get("/me", summary="My account")
    def me(authorization: Annotated[str, Header()] = "") -> dict[str, str]:
        if authorization.removeprefix("Bearer ") not in live:
            raise HTTPException(401, "invalid_token")
        return {"email": "dana@swifthaul.test", "role": "dispatcher"}

    return app


@pytest.mark.parametrize("flawed", [False, True], ids=["revokes", "keeps"])
def test_the_revocation_is_sent_the_sessions_own_token(tmp_path: Path, flawed: bool) -> None:
    """No finding where the server revokes what it is sent; one where it revokes nothing."""
    with serving(app_of(flawed=flawed)) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "logout")
    assert done.returncode < 2, done.stdout + done.stderr
    found = [f for f in report["findings"] if f["check"] == "logout"]
    assert [f["operation"] for f in found] == (["POST /oauth/revoke"] if flawed else [])
