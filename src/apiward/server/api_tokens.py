"""API tokens in the dashboard: every user makes and revokes their own; admins see all.

The page is ``/settings/tokens``; the JSON operations are under ``/api/tokens``. A new
token is in the answer that makes it and nowhere ever after. Tokens are made with a
signed-in session (the page, ``POST /api/tokens`` with the cookie) or with
``apiward server create-token``, never with another token: a leaked token cannot mint
itself a successor that outlives its revocation. A token may list and revoke (a CI job
can revoke its own). An admin may revoke anyone's; revoking another's token answers 404
to everyone else, as a token that does not exist would.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field

from apiward.core.errors import ConfigError
from apiward.server.access import VIEWER, engine_of
from apiward.server.api import REFUSED
from apiward.server.pages import ROW_ID, render
from apiward.server.sessions import Session
from apiward.server.tokens import MAX_NAME, Token, create_token, list_tokens, revoke_token
from apiward.server.users import Role

page_router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["dashboard"])
Viewer = Annotated[Session, Depends(VIEWER)]
NO_SUCH: dict[int | str, dict[str, Any]] = {
    404: {"description": "no such token (of yours, unless you are an admin)"}
}


def _new(
    request: Request, session: Session, name: str, expires: datetime | None
) -> tuple[str, Token]:
    if session.bearer:
        raise HTTPException(403, "an API token cannot make tokens: sign in to make one")
    try:
        return create_token(engine_of(request), session.user.name, name, expires=expires)
    except ConfigError as error:
        raise HTTPException(400, str(error)) from None


def _revoke(request: Request, session: Session, token_id: int) -> None:
    own = None if session.user.role is Role.ADMIN else session.user.id
    if not revoke_token(engine_of(request), token_id, own):
        raise HTTPException(404, "no such token")


# Pages ---------------------------------------------------------------------------------


def _page(request: Request, session: Session, *, made: str = "", code: int = 200) -> Response:
    engine = engine_of(request)
    everyone = list_tokens(engine, None) if session.user.role is Role.ADMIN else []
    return render(
        request,
        "tokens.html",
        code,
        session=session,
        tokens=list_tokens(engine, session.user.id),
        everyone=everyone,
        made=made,
        max_name=MAX_NAME,
    )


@page_router.get("/settings/tokens")
def tokens_page(request: Request, session: Viewer) -> Response:
    """Your API tokens (and, for an admin, everyone's), with the form for a new one."""
    return _page(request, session)


@page_router.post("/settings/tokens")
def create_token_form(
    request: Request,
    session: Viewer,
    name: Annotated[str, Form(max_length=MAX_NAME)],
    expires: Annotated[str, Form(max_length=10)] = "",
) -> Response:
    """Make a token and show it, this once."""
    try:
        until = _midnight(date.fromisoformat(expires)) if expires else None
    except ValueError:
        raise HTTPException(400, "expires: a date, YYYY-MM-DD") from None
    secret, _ = _new(request, session, name, until)
    return _page(request, session, made=secret, code=201)


@page_router.post("/settings/tokens/{token_id}/revoke")
def revoke_token_form(
    request: Request, session: Viewer, token_id: Annotated[int, ROW_ID]
) -> Response:
    """Revoke a token: it is refused from its next request on."""
    _revoke(request, session, token_id)
    return RedirectResponse("/settings/tokens", status_code=303)


def _midnight(day: date) -> datetime:
    """A date's start in UTC: a token that expires on a day works until that day begins."""
    return datetime.combine(day, time(), tzinfo=UTC)


# JSON operations ---------------------------------------------------------------------


class TokenOut(BaseModel):
    """An API token, never the token itself: whose, what for, when made, used and expiring."""

    id: int
    owner: str
    name: str
    created: datetime
    last_used: datetime | None
    expires: datetime | None


class TokenIn(BaseModel):
    """A token to make: a name that says what uses it, and when it expires (null: never)."""

    name: str = Field(min_length=1, max_length=MAX_NAME)
    expires: datetime | None = None


class TokenMade(TokenOut):
    """A new token: ``token`` is shown this once; send it as ``Authorization: Bearer``."""

    token: str


def _out(token: Token) -> TokenOut:
    return TokenOut(
        id=token.id,
        owner=token.owner,
        name=token.name,
        created=token.created,
        last_used=token.last_used,
        expires=token.expires,
    )


@api_router.get("/tokens", responses=REFUSED)
def tokens_api(
    request: Request, session: Viewer, everyone: Annotated[bool, Query()] = False
) -> list[TokenOut]:
    """Your API tokens, newest first; ``everyone=true``: every user's (needs the admin role)."""
    if everyone and session.user.role is not Role.ADMIN:
        raise HTTPException(403, "everyone's tokens need the admin role")
    return [_out(t) for t in list_tokens(engine_of(request), None if everyone else session.user.id)]


@api_router.post(
    "/tokens",
    status_code=201,
    responses={**REFUSED, 400: {"description": "the name or expiry does not hold"}},
)
def create_token_api(request: Request, session: Viewer, body: TokenIn) -> TokenMade:
    """Make an API token for yourself (with a session, not a token); it is shown this once."""
    secret, made = _new(request, session, body.name, body.expires)
    return TokenMade(**_out(made).model_dump(), token=secret)


@api_router.delete("/tokens/{token_id}", status_code=204, responses={**REFUSED, **NO_SUCH})
def revoke_token_api(
    request: Request, session: Viewer, token_id: Annotated[int, ROW_ID]
) -> Response:
    """Revoke one of your tokens (an admin: anyone's); it is refused from then on."""
    _revoke(request, session, token_id)
    return Response(status_code=204)
