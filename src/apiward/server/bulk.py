"""Bulk triage: one decision on several findings at once, from the list or the JSON API.

Needs the triager role and the session's CSRF token, as one finding's triage does. The
decisions are taken in one transaction (``apiward.store.triage.decide_many``): all are
recorded, under the signed-in user's name, or none is (an accepted risk without an
expiry, a finding that is not in the store).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from typing import Annotated
from urllib.parse import parse_qs, urlencode, urlsplit

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import Engine, select, tuple_

from apiward.core.errors import ConfigError
from apiward.core.findings import Severity
from apiward.server import models
from apiward.server.access import TRIAGER, engine_of
from apiward.server.api import REFUSED
from apiward.server.pages import BulkForm, Chosen, local, show_findings
from apiward.server.sessions import Session
from apiward.store.records import Decision, State, Tracked
from apiward.store.tables import apis, states
from apiward.store.triage import decide_many


class Refused(HTTPException):
    """A decision that does not hold (400): none of the findings is triaged."""


_VIEWS = ("untriaged", "triaged", "all")
MOST = 150
"""Findings one request may triage (the JSON body stays under the guard's 16 KiB)."""
_PICK = re.compile(r"[1-9][0-9]{0,18}:[0-9a-f]{1,32}")

page_router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["dashboard"])
Triager = Annotated[Session, Depends(TRIAGER)]


def triage_many(
    engine: Engine,
    picked: Sequence[tuple[int, str]],
    decision: Decision,
    *,
    reason: str,
    expires: date | None,
    by: str,
) -> list[tuple[int, Tracked]]:
    """Take ``decision`` on each ``(api id, fingerprint)``; 404 when one is not in the store."""
    unique = sorted(set(picked))
    with engine.connect() as connection:
        rows = connection.execute(
            select(states.c.api_id, states.c.fingerprint, apis.c.name)
            .join(apis, apis.c.id == states.c.api_id)
            .where(tuple_(states.c.api_id, states.c.fingerprint).in_(unique))
        ).all()
    names = {(row.api_id, row.fingerprint): row.name for row in rows}
    missing = [f"{a}:{f}" for a, f in unique if (a, f) not in names]
    if missing:
        raise HTTPException(404, f"no such finding: {', '.join(missing[:5])}")
    try:
        done = decide_many(
            engine,
            [(names[key], key[1]) for key in unique],
            decision,
            reason=reason,
            by=by,
            expires=expires,
        )
    except ConfigError as error:
        raise Refused(400, str(error)) from None
    return [(key[0], tracked) for key, tracked in zip(unique, done, strict=True)]


@page_router.post("/findings/triage")
def triage_form(
    request: Request,
    session: Triager,
    decision: Annotated[Decision, Form()],
    finding: Annotated[list[str], Form(max_length=MOST)] = [],  # noqa: B006 - FastAPI copies
    reason: Annotated[str, Form(max_length=2000)] = "",
    expires: Annotated[str, Form(max_length=10)] = "",
    back: Annotated[str, Form(max_length=2000)] = "/findings",
) -> Response:
    """Take one decision on the findings ticked in the list, then go back to the list.

    A decision that does not hold (an accepted risk without an expiry...) shows the list
    again with the error in the form's words and the ticks and text as they were sent.
    """
    if not finding:
        raise HTTPException(400, "tick at least one finding")
    if any(not _valid(pick) for pick in finding):
        raise HTTPException(400, "a ticked finding is not API-ID:FINGERPRINT")
    form = BulkForm(
        picked=frozenset(finding), decision=decision.value, reason=reason, expires=expires
    )
    try:
        until = date.fromisoformat(expires) if expires else None
    except ValueError:
        return _again(request, session, back, replace(form, error="Expires is not a date."))
    picked = [(int(a), f) for a, f in (pick.split(":") for pick in finding)]
    try:
        triage_many(
            engine_of(request), picked, decision, reason=reason, expires=until, by=session.user.name
        )
    except Refused as refused:
        return _again(
            request, session, back, replace(form, error=_in_form_words(str(refused.detail)))
        )
    return RedirectResponse(local(back), status_code=303)


def _again(request: Request, session: Session, back: str, form: BulkForm) -> Response:
    """The list ``back`` named, with the bulk form as it was sent and why it was refused."""
    back = local(back)
    parts = urlsplit(back)
    given = parse_qs(parts.query)
    one = {name: values[0] for name, values in given.items()}
    page = one.get("page", "1")
    chosen = Chosen(
        severity=[Severity(v) for v in given.get("severity", []) if v in set(Severity)],
        state=[State(v) for v in given.get("state", []) if v in set(State)],
        api=one.get("api", "")[:200],
        check=one.get("check", "")[:200],
        triage=one.get("triage", "") if one.get("triage") in _VIEWS else "untriaged",
        page=min(int(page), 100_000) if page.isdigit() and int(page) > 0 else 1,
        owasp=one.get("owasp", "")[:100],
    )
    query = urlencode([(k, v) for k, vs in given.items() if k != "page" for v in vs])
    return show_findings(request, session, chosen, back=back, query=query, bulk=form)


def _in_form_words(message: str) -> str:
    """The store's refusal, worded for the CLI, in the names of the form's fields."""
    for cli, form in (
        ("--expires YYYY-MM-DD", "an Expires date"),
        ("--expires", "Expires"),
        ("--reason", "a Reason"),
    ):
        message = message.replace(cli, form)
    return message[:1].upper() + message[1:] + "."


def _valid(pick: str) -> bool:
    return _PICK.fullmatch(pick) is not None


class PickedIn(BaseModel):
    """A finding to triage: its API's id and its fingerprint."""

    api_id: int = Field(ge=1, le=2**63 - 1)
    fingerprint: str = Field(pattern=r"^[0-9a-f]{1,32}$")


class BulkTriageIn(BaseModel):
    """One decision for several findings: accepted-risk needs ``expires``; all but cleared a reason."""

    findings: list[PickedIn] = Field(min_length=1, max_length=MOST)
    decision: Decision
    reason: str = Field(default="", max_length=2000)
    expires: date | None = None


@api_router.post(
    "/findings/triage",
    responses={
        **REFUSED,
        400: {"description": "a decision that does not hold (none is taken)"},
        404: {"description": "a finding that is not in the store (none is taken)"},
    },
)
def triage_api(request: Request, session: Triager, body: BulkTriageIn) -> list[models.FindingOut]:
    """Take one triage decision on several findings (needs the triager role): all or none."""
    done = triage_many(
        engine_of(request),
        [(p.api_id, p.fingerprint) for p in body.findings],
        body.decision,
        reason=body.reason,
        expires=body.expires,
        by=session.user.name,
    )
    return [models.finding_out(api_id, tracked) for api_id, tracked in done]
