"""The caller's own profile: read it, change it, give it an avatar fetched from a URL."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request, Response

from apiward.demo import outbound
from apiward.demo.deps import BankDep, Me
from apiward.demo.models import Avatar, AvatarRequest, Message, ProfileUpdate, User, respond

router = APIRouter(prefix="/api/v2/me", tags=["profile"])

# Everything but the avatar bytes, which are not JSON.
_ROW = (
    "SELECT id, username, email, full_name, password_hash, role, transfer_limit,"
    " referral_code, referred_by, internal_notes FROM users WHERE username = ?"
)
_WRITABLE = {"email", "full_name"}
IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


@router.get("", response_model=User)
async def me(bank: BankDep, me: Me) -> Any:
    """Your profile."""
    # planted: excessive-data-password-hash (the whole row, hash included)
    return respond(bank.fixed, User, bank.db.one(_ROW, (me.username,)) or {})


@router.patch("", response_model=User)
async def update_me(body: ProfileUpdate, bank: BankDep, me: Me, request: Request) -> Any:
    """Change your e-mail address or full name."""
    changes: dict[str, Any] = body.model_dump(exclude_none=True)
    if not bank.fixed:
        # planted: mass-assignment-profile-limit (any column in the JSON is written)
        raw = await request.json()
        changes |= {key: value for key, value in raw.items() if key in {"transfer_limit", "role"}}
    changes = {key: value for key, value in changes.items() if key in _WRITABLE or not bank.fixed}
    for column, value in changes.items():
        bank.db.run(f"UPDATE users SET {column} = ? WHERE username = ?", (value, me.username))
    return respond(bank.fixed, User, bank.db.one(_ROW, (me.username,)) or {})


@router.put("/avatar", responses={422: {"model": Message}, 502: {"model": Message}})
async def set_avatar(body: AvatarRequest, bank: BankDep, me: Me) -> Avatar:
    """Fetch a picture from a URL and make it your avatar."""
    # planted: ssrf-avatar-url (fetched server-side wherever it points, unless fixed)
    fetched = await outbound.fetch(bank.fixed, body.url)
    content_type = fetched.headers.get("content-type", "").split(";")[0].strip().lower()
    # planted: avatar-third-party-content-trusted (served back from our origin as it came)
    if bank.fixed and content_type not in IMAGE_TYPES:
        raise HTTPException(422, "the URL is not a PNG, JPEG, GIF or WebP image")
    bank.db.run(
        "UPDATE users SET avatar = ?, avatar_type = ? WHERE username = ?",
        (fetched.content, content_type, me.username),
    )
    return Avatar(content_type=content_type, size=len(fetched.content))


@router.get(
    "/avatar",
    response_class=Response,
    responses={200: {"content": {"image/*": {}}}, 404: {"model": Message}},
)
async def get_avatar(bank: BankDep, me: Me) -> Response:
    """Your avatar picture."""
    row = bank.db.one("SELECT avatar, avatar_type FROM users WHERE username = ?", (me.username,))
    if row is None or row["avatar"] is None:
        raise HTTPException(404, "no avatar yet")
    return Response(row["avatar"], media_type=row["avatar_type"])
