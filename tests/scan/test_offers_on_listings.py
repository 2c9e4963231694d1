"""Offers under listings, as the APIFlask trial's marketplace made them.

* ``POST /listings/{listing_id}/offers`` refuses an offer on one's own listing ("You
  cannot make an offer on your own listing"). The scan's creations went under each
  identity's own listing, were all refused, and nothing was tried on offers (the planted
  negative offer among them). A creation refused for the parent its path names now goes
  again under another's, as one refused for an object its body names did.
* An offer names its buyer (``buyer_id``). Carol's offer on alice's listing is carol's,
  though only alice, the seller, lists it: carol updating it is her own business, and had
  been called a BOLA.

The marketplace takes a negative offer, made or changed (the trial's planted F13): found
once offers are made.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from tests.conftest import scan_with_identities

from serving import serving

PEOPLE = {"Bearer mk-alice": 2, "Bearer mk-bob": 3, "Bearer mk-carol": 4}
NAMES = {2: "alice", 3: "bob", 4: "carol"}
IDENTITIES = """\
identities:
  - {name: alice, role: user, headers: {Authorization: Bearer mk-alice}}
  - {name: bob, role: user, headers: {Authorization: Bearer mk-bob}}
  - {name: carol, role: user, headers: {Authorization: Bearer mk-carol}}
"""
_LISTING = {"name": "listing_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_OFFER = {"name": "offer_id", "in": "path", "required": True, "schema": {"type": "integer"}}
_OFFER_IN = {"content": {"application/json": {"schema": {
    "type": "object", "required": ["amount"],
    "properties": {"amount": {"type": "number"}, "message": {"type": "string", "maxLength": 500}}}}}}  # fmt: skip
CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "market", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/api/me": {"get": {"summary": "My account",
                            "responses": {"200": {"description": "OK"}}}},
        "/api/listings": {"get": {"summary": "Listings for sale",
                                  "responses": {"200": {"description": "OK"}}}},
        "/api/listings/{listing_id}/offers": {
            "get": {"summary": "Offers on a listing (its seller only)",
                    "parameters": [_LISTING], "responses": {"200": {"description": "OK"}}},
            "post": {"summary": "Make an offer", "parameters": [_LISTING],
                     "requestBody": _OFFER_IN,
                     "responses": {"201": {"description": "Created"}}}},
        "/api/listings/{listing_id}/offers/{offer_id}": {
            "get": {"summary": "An offer", "parameters": [_LISTING, _OFFER],
                    "responses": {"200": {"description": "OK"}}},
            "patch": {"summary": "Change my offer", "parameters": [_LISTING, _OFFER],
                      "requestBody": _OFFER_IN, "responses": {"200": {"description": "OK"}}},
            "delete": {"summary": "Withdraw my offer", "parameters": [_LISTING, _OFFER],
                       "responses": {"204": {"description": "Withdrawn"}}}},
    },
}  # fmt: skip


class Market:
    """Listings by seller, offers by buyer; every owner check in place."""

    def __init__(self) -> None:
        self.listings = {1: 2, 2: 3, 3: 4}  # listing → seller
        self.offers: dict[int, dict[str, Any]] = {
            1: {"id": 1, "listing_id": 1, "buyer_id": 3, "amount": 40.0, "message": "bob's"},
            2: {"id": 2, "listing_id": 1, "buyer_id": 4, "amount": 45.0, "message": "carol's"},
            3: {"id": 3, "listing_id": 2, "buyer_id": 2, "amount": 90.0, "message": "alice's"},
        }
        self.made = 0

    def app(self) -> Starlette:
        """The API."""
        return Starlette(
            routes=[
                Route("/openapi.json", lambda r: JSONResponse(CONTRACT)),
                Route("/api/me", self.me),
                Route("/api/listings", self.all_listings),
                Route(
                    "/api/listings/{listing_id:int}/offers",
                    self.offers_of,
                    methods=["GET", "POST"],
                ),
                Route(
                    "/api/listings/{listing_id:int}/offers/{offer_id:int}",
                    self.offer,
                    methods=["GET", "PATCH", "DELETE"],
                ),
            ]
        )

    async def me(self, request: Request) -> Response:
        caller = PEOPLE.get(request.headers.get("authorization", ""))
        if caller is None:
            return JSONResponse({"message": "Unauthorized"}, 401)
        return JSONResponse({"id": caller, "username": NAMES[caller]})

    async def all_listings(self, request: Request) -> Response:
        if request.headers.get("authorization") not in PEOPLE:
            return JSONResponse({"message": "Unauthorized"}, 401)
        rows = [{"id": i, "seller_id": s, "title": f"item {i}"} for i, s in self.listings.items()]
        return JSONResponse({"items": rows})

    async def offers_of(self, request: Request) -> Response:
        caller = PEOPLE.get(request.headers.get("authorization", ""))
        listing = request.path_params["listing_id"]
        if caller is None:
            return JSONResponse({"message": "Unauthorized"}, 401)
        if listing not in self.listings:
            return JSONResponse({"message": "Not Found"}, 404)
        if request.method == "POST":
            if self.listings[listing] == caller:
                return JSONResponse(
                    {"message": "You cannot make an offer on your own listing"}, 400
                )
            body = await request.json()
            number = max(self.offers) + 1
            self.offers[number] = {"id": number, "listing_id": listing, "buyer_id": caller,
                                   "amount": body.get("amount"), "message": body.get("message")}  # fmt: skip
            self.made += 1
            return JSONResponse(self.offers[number], 201)
        if self.listings[listing] != caller:
            return JSONResponse({"message": "Only the seller lists the offers"}, 403)
        rows = [o for o in self.offers.values() if o["listing_id"] == listing]
        return JSONResponse({"items": rows})

    async def offer(self, request: Request) -> Response:
        caller = PEOPLE.get(request.headers.get("authorization", ""))
        found = self.offers.get(request.path_params["offer_id"])
        if caller is None:
            return JSONResponse({"message": "Unauthorized"}, 401)
        if found is None or found["listing_id"] != request.path_params["listing_id"]:
            return JSONResponse({"message": "Not Found"}, 404)
        mine = found["buyer_id"] == caller
        if request.method == "GET":
            if not mine and self.listings[found["listing_id"]] != caller:
                return JSONResponse({"message": "This is not your offer"}, 403)
            return JSONResponse(found)
        if not mine:
            return JSONResponse({"message": "This is not your offer"}, 403)
        if request.method == "DELETE":
            del self.offers[found["id"]]
            return Response(status_code=204)
        body = await request.json()
        found.update({k: body[k] for k in ("amount", "message") if k in body})
        return JSONResponse(found)


def test_offers_are_made_on_others_listings_and_their_buyers_are_no_attackers(
    tmp_path: Path,
) -> None:
    """The negative offer is found, every offer made is withdrawn, and no BOLA is reported."""
    market = Market()
    with serving(market.app()) as url:
        done, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "bola,negative_amount"
        )
    assert done.returncode in (0, 1), done.stdout[-3000:] + done.stderr[-3000:]
    assert sorted(market.offers) == [1, 2, 3]
    found = {(f["check"], f["operation"]) for f in report["findings"]}
    assert ("negative_amount", "POST /api/listings/{listing_id}/offers") in found
    assert {check for check, _ in found} == {"negative_amount"}, found
