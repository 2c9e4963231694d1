"""The admin's settings: users and their roles, webhooks, and each API's scan schedule.

Every page and operation here needs the admin role (and the CSRF token on writes).
Passwords go in once and are kept as argon2id hashes (``apiward.server.users``); the
last admin cannot be demoted. Webhook URLs are shown masked (``apiward.server.webhooks``).
A schedule is a cron expression in UTC; ``apiward scheduler`` enqueues its slots.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy import select

from apiward.core.errors import ConfigError
from apiward.server.access import ADMIN, engine_of
from apiward.server.api import REFUSED
from apiward.server.apis import ApiBriefOut, brief_out
from apiward.server.pages import render
from apiward.server.sessions import Session
from apiward.server.users import Listed, Role, create_user, list_users, set_role
from apiward.server.webhooks import Webhook, add_webhook, list_webhooks, remove_webhook
from apiward.store.apis import list_apis, set_schedule
from apiward.store.records import ApiRecord
from apiward.store.tables import apis

ROW_ID = Path(ge=1, le=2**63 - 1)
BAD = {**REFUSED, 400: {"description": "the change does not hold (the reason says why)"}}

page_router = APIRouter(include_in_schema=False)
api_router = APIRouter(prefix="/api", tags=["dashboard"])
Admin = Annotated[Session, Depends(ADMIN)]


def _new_user(request: Request, name: str, password: str, role: Role) -> Listed:
    try:
        made = create_user(engine_of(request), name, password, role)
    except ConfigError as error:
        raise HTTPException(400, str(error)) from None
    return next(u for u in list_users(engine_of(request)) if u.id == made.id)


def _role(request: Request, user_id: int, role: Role) -> Listed:
    try:
        return set_role(engine_of(request), user_id, role)
    except LookupError:
        raise HTTPException(404, "no such user") from None
    except ConfigError as error:
        raise HTTPException(400, str(error)) from None


def _webhook(request: Request, url: str, by: str) -> Webhook:
    try:
        return add_webhook(engine_of(request), url, by=by)
    except ConfigError as error:
        raise HTTPException(400, str(error)) from None


def _schedule(request: Request, api_id: int, schedule: str | None) -> ApiRecord:
    with engine_of(request).connect() as connection:
        name = connection.execute(select(apis.c.name).where(apis.c.id == api_id)).scalar()
    if name is None:
        raise HTTPException(404, "no such API")
    try:
        return set_schedule(engine_of(request), name, schedule.strip() if schedule else None)
    except ConfigError as error:
        raise HTTPException(400, str(error)) from None


# Pages ---------------------------------------------------------------------------------


@page_router.get("/settings")
def settings_page(request: Request, session: Admin) -> Response:
    """Users, webhooks and schedules, each with its forms."""
    with engine_of(request).connect() as connection:
        hooks = list_webhooks(connection)
    return render(
        request,
        "settings.html",
        session=session,
        users=list_users(engine_of(request)),
        roles=list(Role),
        webhooks=hooks,
        apis=list_apis(engine_of(request)),
    )


def _back() -> Response:
    return RedirectResponse("/settings", status_code=303)


@page_router.post("/settings/users")
def create_user_form(
    request: Request,
    session: Admin,
    name: Annotated[str, Form(max_length=100)],
    password: Annotated[str, Form(max_length=1000)],
    role: Annotated[Role, Form()],
) -> Response:
    """Add a user."""
    _new_user(request, name, password, role)
    return _back()


@page_router.post("/settings/users/{user_id}/role")
def role_form(
    request: Request,
    session: Admin,
    user_id: Annotated[int, ROW_ID],
    role: Annotated[Role, Form()],
) -> Response:
    """Change a user's role (it applies to their next request)."""
    _role(request, user_id, role)
    return _back()


@page_router.post("/settings/webhooks")
def webhook_form(
    request: Request, session: Admin, url: Annotated[str, Form(max_length=2000)]
) -> Response:
    """Add a webhook."""
    _webhook(request, url, session.user.name)
    return _back()


@page_router.post("/settings/webhooks/{webhook_id}/delete")
def webhook_delete_form(
    request: Request, session: Admin, webhook_id: Annotated[int, ROW_ID]
) -> Response:
    """Remove a webhook."""
    if not remove_webhook(engine_of(request), webhook_id):
        raise HTTPException(404, "no such webhook")
    return _back()


@page_router.post("/settings/schedules/{api_id}")
def schedule_form(
    request: Request,
    session: Admin,
    api_id: Annotated[int, ROW_ID],
    schedule: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    """Set or clear an API's schedule."""
    _schedule(request, api_id, schedule)
    return _back()


# JSON operations ---------------------------------------------------------------------


class UserOut(BaseModel):
    """A user: name, role, since when (never the password or its hash)."""

    id: int
    name: str
    role: Role
    created: datetime


class UserIn(BaseModel):
    """A user to add: the password needs at least 12 characters."""

    name: str = Field(max_length=100)
    password: str = Field(max_length=1000)
    role: Role


class RoleIn(BaseModel):
    """A user's new role."""

    role: Role


class WebhookOut(BaseModel):
    """A webhook, its URL masked (the path of a Slack URL is a credential)."""

    id: int
    url: str
    by: str
    created: datetime


class WebhookIn(BaseModel):
    """A webhook to add: an http(s) URL."""

    url: str = Field(max_length=2000)


class ScheduleIn(BaseModel):
    """A cron expression in UTC (``0 3 * * *``), or null for none."""

    schedule: str | None = Field(max_length=100)


def _user_out(user: Listed) -> UserOut:
    return UserOut(id=user.id, name=user.name, role=user.role, created=user.created)


def _webhook_out(hook: Webhook) -> WebhookOut:
    return WebhookOut(id=hook.id, url=hook.shown, by=hook.by, created=hook.created)


@api_router.get("/users", responses=REFUSED)
def users_api(request: Request, session: Admin) -> list[UserOut]:
    """Every user (needs the admin role)."""
    return [_user_out(u) for u in list_users(engine_of(request))]


@api_router.post("/users", status_code=201, responses=BAD)
def create_user_api(request: Request, session: Admin, body: UserIn) -> UserOut:
    """Add a user (needs the admin role)."""
    return _user_out(_new_user(request, body.name, body.password, body.role))


@api_router.patch("/users/{user_id}", responses={**BAD, 404: {"description": "no such user"}})
def role_api(
    request: Request, session: Admin, user_id: Annotated[int, ROW_ID], body: RoleIn
) -> UserOut:
    """Change a user's role (needs the admin role; the last admin stays one)."""
    return _user_out(_role(request, user_id, body.role))


@api_router.get("/webhooks", responses=REFUSED)
def webhooks_api(request: Request, session: Admin) -> list[WebhookOut]:
    """Every webhook, masked (needs the admin role)."""
    with engine_of(request).connect() as connection:
        return [_webhook_out(h) for h in list_webhooks(connection)]


@api_router.post("/webhooks", status_code=201, responses=BAD)
def add_webhook_api(request: Request, session: Admin, body: WebhookIn) -> WebhookOut:
    """Add a webhook the workers call after runs with new high findings (needs admin)."""
    return _webhook_out(_webhook(request, body.url, session.user.name))


@api_router.delete(
    "/webhooks/{webhook_id}",
    status_code=204,
    responses={**REFUSED, 404: {"description": "no such webhook"}},
)
def remove_webhook_api(
    request: Request, session: Admin, webhook_id: Annotated[int, ROW_ID]
) -> Response:
    """Remove a webhook (needs the admin role)."""
    if not remove_webhook(engine_of(request), webhook_id):
        raise HTTPException(404, "no such webhook")
    return Response(status_code=204)


@api_router.put("/apis/{api_id}/schedule", responses={**BAD, 404: {"description": "no such API"}})
def schedule_api(
    request: Request, session: Admin, api_id: Annotated[int, ROW_ID], body: ScheduleIn
) -> ApiBriefOut:
    """Set an API's cron schedule, or clear it with null (needs the admin role)."""
    return brief_out(_schedule(request, api_id, body.schedule))
