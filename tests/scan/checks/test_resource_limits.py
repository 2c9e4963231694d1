"""resource_limits on tiny apps of other shapes: an envelope page, an id batch, a body cap."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from limits_support import on, scan_only, token_user
from starlette.applications import Starlette
from starlette.requests import Request as Incoming
from starlette.responses import JSONResponse as Answer
from starlette.routing import Route

from apiward.scan.checks.resource_limits import ResourceLimits

ITEMS = [{"sku": f"SKU-{n:04d}", "price": n} for n in range(40)]


_BEARER = HTTPBearer()


def _me(creds: Annotated[HTTPAuthorizationCredentials, Depends(_BEARER)]) -> str:
    if creds.credentials != "t-ann":
        raise HTTPException(401)
    return "ann"


User = Annotated[str, Depends(_me)]


def _app(*, bounded: bool) -> FastAPI:
    app = FastAPI()

    @app.get("/catalog")
    def catalog(
        user: User,
        per_page: Annotated[int, Query(ge=1)] = 5,
    ) -> dict[str, Any]:
        """Products, a page at a time (at most 10)."""
        size = min(per_page, 10) if bounded else per_page  # bounded: clamped silently
        return {"data": ITEMS[:size], "total": len(ITEMS)}

    @app.post("/prices")
    def prices(
        user: User,
        skus: Annotated[list[str], Body(embed=True)],
    ) -> dict[str, Any]:
        """Prices of up to 5 skus."""
        if bounded and len(skus) > 5:
            raise HTTPException(400, "at most 5")
        return {"results": [{"sku": s, "price": None} for s in skus]}

    @app.middleware("http")
    async def cap(request: Request, call_next: Callable[[Request], Any]) -> Any:
        if bounded and int(request.headers.get("content-length", "0")) > 64_000:
            return JSONResponse({"detail": "too large"}, status_code=413)
        return await call_next(request)

    _declare_maximum(app)
    return app


def _declare_maximum(app: FastAPI) -> None:
    """The contract says per_page ≤ 10 and skus ≤ 5, whatever the code does."""
    spec = app.openapi()
    param = spec["paths"]["/catalog"]["get"]["parameters"][0]
    param["schema"]["maximum"] = 10
    spec["components"]["schemas"]["Body_prices_prices_post"]["properties"]["skus"]["maxItems"] = 5


Serve = Callable[[Any], Any]


def _scan(serve: Serve, app: FastAPI) -> dict[str, str]:
    url = serve(app).url
    results = scan_only(url, [ResourceLimits()], (token_user("ann", "t-ann"),))
    assert results.errors == []
    return on(results, "resource_limits")


def test_fires_on_an_envelope_page_an_id_batch_and_a_big_body(serve: Serve) -> None:
    """per_page=100 returns 40 items past the maximum 10; 50 skus are all priced; 2 MB is read."""
    found = _scan(serve, _app(bounded=False))
    assert found == {"GET /catalog": "medium", "POST /prices": "medium"}


def test_silent_when_pages_are_clamped_batches_refused_and_bodies_capped(serve: Serve) -> None:
    """A clamped page, a refused batch and a 413 are not findings."""
    assert _scan(serve, _app(bounded=True)) == {}


def _notes(seeded: int) -> FastAPI:
    """Notes whose page size is declared at most 5 and never enforced; ann may add notes, and
    delete them (a default scan creates nothing that nothing deletes)."""
    app = FastAPI()
    notes = [{"id": n, "text": f"note {n}"} for n in range(seeded)]

    @app.get("/notes")
    def listing(user: User, limit: Annotated[int, Query(ge=1)] = 5) -> list[Any]:
        return notes[:limit]

    @app.post("/notes", status_code=201)
    def create(user: User, text: Annotated[str, Body(embed=True)]) -> dict[str, Any]:
        notes.append({"id": len(notes), "text": text})
        return notes[-1]

    @app.delete("/notes/{note_id}", status_code=204)
    def remove(user: User, note_id: int) -> None:
        if not any(n["id"] == note_id for n in notes):
            raise HTTPException(404)
        notes[:] = [n for n in notes if n["id"] != note_id]

    app.openapi()["paths"]["/notes"]["get"]["parameters"][0]["schema"]["maximum"] = 5
    return app


def test_exactly_the_maximum_is_filled_by_one_before_judging(serve: Serve) -> None:
    """With exactly 5 notes, limit=5 and limit=1000 both give 5: one own note tells them apart.

    4 are seeded; harvesting creates ann's first (POST /notes is a creation), before any check.
    """
    assert _scan(serve, _notes(seeded=4)).get("GET /notes") == "medium"


def _gigs(*, bounded: bool) -> Starlette:
    """A JSON:API listing (Starlette): ``page[size]`` at most 10 by the contract."""
    gigs = [
        {"type": "gigs", "id": f"g-{n}", "attributes": {"venue": f"hall {n}"}} for n in range(40)
    ]
    size = {"name": "page[size]", "in": "query", "schema": {"type": "integer", "maximum": 10}}
    contract = {
        "openapi": "3.0.3",
        "info": {"title": "gigs", "version": "1"},
        "security": [{"bearer": []}],
        "paths": {
            "/gigs": {"get": {"parameters": [size], "responses": {"200": {"description": "ok"}}}}
        },
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    }

    async def listing(request: Incoming) -> Answer:
        if request.headers.get("authorization") != "Bearer t-ann":
            return Answer({"errors": [{"status": "401", "title": "Unauthorized"}]}, 401)
        asked = int(request.query_params.get("page[size]", "5"))
        shown = gigs[: min(asked, 10) if bounded else asked]
        return Answer(
            {"data": shown, "meta": {"total": len(gigs)}}, media_type="application/vnd.api+json"
        )

    async def openapi(request: Incoming) -> Answer:
        return Answer(contract)

    return Starlette(routes=[Route("/gigs", listing), Route("/openapi.json", openapi)])


def test_a_json_api_page_size_is_a_page_size(serve: Serve) -> None:
    """page[size]=100 answered with 40 gigs past the maximum 10: found; clamped: silent."""
    assert _scan_any(serve, _gigs(bounded=False)) == {"GET /gigs": "medium"}
    assert _scan_any(serve, _gigs(bounded=True)) == {}


def _scan_any(serve: Serve, app: Any) -> dict[str, str]:
    results = scan_only(serve(app).url, [ResourceLimits()], (token_user("ann", "t-ann"),))
    assert results.errors == []
    return on(results, "resource_limits")
