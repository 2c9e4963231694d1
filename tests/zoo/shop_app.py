"""A members' shop API in FastAPI, written the way a quick FastAPI project often is.

Style: the contract is FastAPI's own ``/openapi.json``; the login takes ``email`` and
``password`` as plain function parameters, which FastAPI puts in the query string; bearer
JWTs (PyJWT) carry the member's id and role, and the id appears in no response of its
own; listings are ``{"items": [...], "next": cursor}``; email and phone are unique (409,
or SQLite's IntegrityError as a bare 500 for the phone); the update model declares
``is_admin``, ``verified``, ``balance`` and a nested ``profile.tier`` writable.

``create_app(secure=False)`` plants the flaws in ``shop/ground_truth.yaml``.
"""

import ipaddress
import platform
import secrets
import sqlite3
import time
import uuid
from typing import Annotated, Any

import fastapi
import jwt
from fastapi import Depends, FastAPI, File, HTTPException, Request, Response, UploadFile
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from shop_models import (
    AdminUserOut,
    Product,
    ProductPage,
    Stats,
    Status,
    Store,
    Token,
    Upload,
    UserCreate,
    UserOut,
    UserPage,
    UserUpdate,
    user_out,
)

PRODUCTS = [Product(id=n, name=f"Gift card {n * 5}", price=n * 5.0) for n in range(1, 26)]
INTERNAL = ipaddress.ip_network("10.0.0.0/8")
IMAGES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
PRIVILEGED = ("is_admin", "verified", "balance")
LOGIN_TRIES, LOGIN_WINDOW = 5, 60.0


def create_app(*, secure: bool = False) -> FastAPI:
    """The shop API; ``secure`` fixes every planted flaw.

    (No ``from __future__ import annotations`` here: FastAPI must see the local aliases.)
    """
    app = FastAPI(title="Shop API", version="1.4.2")
    store, secret = Store(), secrets.token_hex(32)
    revoked: set[str] = set()
    failures: dict[str, list[float]] = {}
    uploads: dict[int, tuple[str, str, bytes]] = {}
    bearer = HTTPBearer()

    def claims_of(token: str) -> dict[str, Any]:
        if secure:
            options = {"require": ["exp", "sub", "jti"]}
            claims: dict[str, Any] = jwt.decode(
                token, secret, algorithms=["HS256"], options=options
            )
            if claims["jti"] in revoked:
                raise jwt.InvalidTokenError("revoked")
            return claims
        if jwt.get_unverified_header(token).get("alg") == "none":  # the test harness's tokens
            return jwt.decode(token, options={"verify_signature": False})  # type: ignore[no-any-return]
        return jwt.decode(token, secret, algorithms=["HS256"])  # type: ignore[no-any-return]

    def caller(auth: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]) -> dict[str, Any]:
        try:
            claims = claims_of(auth.credentials)
        except (jwt.PyJWTError, ValueError) as error:
            raise HTTPException(401, "Could not validate credentials") from error
        if store.get(id=int(claims.get("sub", 0))) is None:
            raise HTTPException(401, "Could not validate credentials")
        return claims

    Caller = Annotated[dict[str, Any], Depends(caller)]  # noqa: N806 (FastAPI's alias style)

    def admin(claims: Caller) -> dict[str, Any]:
        if claims.get("role") != "admin":
            raise HTTPException(403, "Admins only")
        return claims

    @app.post("/users", response_model=UserOut, status_code=201, tags=["users"])
    def signup(user: UserCreate) -> UserOut:
        if store.get(email=user.email):
            raise HTTPException(409, "Email already registered")
        if secure and store.get(phone=user.phone):
            raise HTTPException(409, "Phone already registered")
        user_id = store.add(user)  # a taken phone: sqlite3.IntegrityError, a bare 500
        return user_out(store.get(id=user_id))  # type: ignore[arg-type]

    @app.post("/auth/login", response_model=Token, tags=["auth"])
    def login(email: str, password: str) -> Token:
        now = time.monotonic()
        failures[email] = [t for t in failures.get(email, []) if now - t < LOGIN_WINDOW]
        if secure and len(failures[email]) >= LOGIN_TRIES:
            raise HTTPException(429, "Too many failed logins", {"Retry-After": "60"})
        row = store.get(email=email)
        if row is None or not secrets.compare_digest(row["password"], password):
            failures[email].append(now)
            raise HTTPException(401, "Incorrect email or password")
        claims = {"sub": str(row["id"]), "role": "admin" if row["is_admin"] else "user"}
        claims["jti"] = uuid.uuid4().hex
        if secure:
            claims["exp"] = int(time.time()) + 900
        return Token(access_token=jwt.encode(claims, secret, algorithm="HS256"))

    @app.post("/auth/logout", tags=["auth"])
    def logout(claims: Caller) -> dict[str, str]:
        if secure:
            revoked.add(claims["jti"])
        return {"detail": "Logged out"}

    @app.get("/users/me", response_model=UserOut, tags=["users"])
    def read_me(claims: Caller) -> UserOut:
        return user_out(store.get(id=int(claims["sub"])))  # type: ignore[arg-type]

    @app.patch("/users/me", response_model=UserOut, tags=["users"])
    def update_me(change: UserUpdate, claims: Caller) -> UserOut:
        user_id = int(claims["sub"])
        values = change.model_dump(exclude_unset=True, exclude={"profile"})
        values |= change.profile.model_dump(exclude_unset=True) if change.profile else {}
        current = store.get(id=user_id)
        assert current is not None
        raised = [k for k in (*PRIVILEGED, "tier") if k in values and values[k] != current[k]]
        if secure and raised:
            raise HTTPException(403, f"Only staff can change {', '.join(raised)}")
        try:
            store.update(user_id, values)
        except sqlite3.IntegrityError as error:
            raise HTTPException(409, "Phone already registered") from error
        return user_out(store.get(id=user_id))  # type: ignore[arg-type]

    @app.get("/products", response_model=ProductPage, tags=["shop"])
    def list_products(
        cursor: int = 0, limit: Annotated[int, fastapi.Query(le=50)] = 10
    ) -> ProductPage:
        page = [p for p in PRODUCTS if p.id > cursor][:limit]
        more = page and page[-1].id < PRODUCTS[-1].id
        return ProductPage(items=page, next=str(page[-1].id) if more else None)

    @app.get("/admin/users", response_model=UserPage, tags=["admin"])
    def list_users(
        _: Annotated[dict[str, Any], Depends(admin)],
        cursor: int = 0,
        limit: Annotated[int, fastapi.Query(le=50)] = 10,
    ) -> UserPage:
        rows = store.all(cursor, limit)
        items = [AdminUserOut(id=r["id"], **user_out(r).model_dump()) for r in rows]
        return UserPage(items=items, next=str(items[-1].id) if len(items) == limit else None)

    @app.post("/admin/users/{user_id}/verify", response_model=AdminUserOut, tags=["admin"])
    def verify_user(user_id: int, _: Annotated[dict[str, Any], Depends(admin)]) -> AdminUserOut:
        if store.get(id=user_id) is None:
            raise HTTPException(404, "User not found")
        store.update(user_id, {"verified": 1})
        return AdminUserOut(id=user_id, **user_out(store.get(id=user_id)).model_dump())  # type: ignore[arg-type]

    @app.post("/uploads", response_model=Upload, status_code=201, tags=["files"])
    async def upload(file: Annotated[UploadFile, File()], _: Caller) -> Upload:
        content = await file.read()
        kind = next((t for magic, t in IMAGES.items() if content.startswith(magic)), None)
        if secure and kind is None:
            raise HTTPException(415, "Only PNG or JPEG images")
        media = kind if secure else (file.content_type or "application/octet-stream")
        upload_id = len(uploads) + 1
        uploads[upload_id] = (file.filename or "upload", media or "", content)
        return Upload(id=upload_id, filename=file.filename or "upload", url=f"/uploads/{upload_id}")

    @app.get("/uploads/{upload_id}", tags=["files"])
    def download(upload_id: int) -> Response:
        if upload_id not in uploads:
            raise HTTPException(404, "Not found")
        _, media, content = uploads[upload_id]
        safe = {"Content-Disposition": "attachment", "X-Content-Type-Options": "nosniff"}
        return Response(content, media_type=media, headers=safe if secure else {})

    @app.get("/status", response_model=Status, response_model_exclude_none=True, tags=["ops"])
    def status() -> Status:
        if secure:
            return Status(status="ok")
        build = {"python": platform.python_version(), "fastapi": fastapi.__version__}
        return Status(status="ok", version=app.version, build=build)

    @app.get("/internal/stats", response_model=Stats, tags=["ops"])
    def internal_stats(request: Request) -> Stats:
        forwarded = request.headers.get("x-forwarded-for", "")
        address = request.client.host if request.client else ""
        if forwarded and not secure:  # behind the load balancer, the first hop is the client
            address = forwarded.split(",")[0].strip()
        try:
            allowed = ipaddress.ip_address(address) in INTERNAL
        except ValueError:
            allowed = False
        if not allowed:
            raise HTTPException(403, "Forbidden")
        admins = [r["email"] for r in store.all(0, 1000) if r["is_admin"]]
        return Stats(users=len(store.all(0, 1000)), uploads=len(uploads), admins=admins)

    return app
