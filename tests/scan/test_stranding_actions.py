"""An action after which the contract's DELETE no longer takes its object is not sent.

The NestJS trial's ``DELETE /orders/{orderId}`` is "Cancel a pending order", and
``POST /orders/{orderId}/pay`` moves an order out of pending. The scan made orders of its
own and paid them (``bola``'s peer actions, ``auth_bypass``'s legitimate request): every
DELETE then answered 409, the orders and their tickets stayed, and the seeded ticket
types' sold counts moved, in default scans and under ``--safe`` alike. Such an action goes
out only with ``--aggressive`` now (``scan.one_way.strands``), and the scan leaves the shop
as it found it; the order's own creation and cancellation are still tested.
"""

import itertools
import uuid
from pathlib import Path
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, HTTPException, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from tests.conftest import scan_with_identities

from serving import serving

IDENTITIES = """\
identities:
  - {name: ann, role: buyer, headers: {Authorization: Bearer shop-ann-1}}
  - {name: ben, role: buyer, headers: {Authorization: Bearer shop-ben-2}}
"""
Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(HTTPBearer(auto_error=False))]


class NewOrder(BaseModel):
    product_id: int
    quantity: int = 1


class Shop:
    """Orders on a seeded product; ``sold`` is what payments took from its stock."""

    def __init__(self) -> None:
        self.orders: dict[str, dict[str, Any]] = {}
        self.sold = 0
        self.app = FastAPI(title="Shop")
        self.ids = itertools.count(1)
        self._routes()

    def _routes(self) -> None:
        app, people = self.app, {"shop-ann-1": "ann", "shop-ben-2": "ben"}

        def caller(cred: HTTPAuthorizationCredentials | None) -> str:
            if cred is None or cred.credentials not in people:
                raise HTTPException(401, "Unauthorized")
            return people[cred.credentials]

        def mine(order_id: str, cred: HTTPAuthorizationCredentials | None) -> dict[str, Any]:
            order = self.orders.get(order_id)
            if order is None or order["buyer"] != caller(cred):
                raise HTTPException(404, "Order not found")
            return order

        @app.get("/products", summary="The catalogue")
        def products() -> list[dict[str, Any]]:
            return [{"id": 1, "name": "Day pass", "price": 25, "sold": self.sold}]

        @app.post("/orders", status_code=201, summary="Place an order")
        def place(body: NewOrder, cred: Bearer) -> dict[str, Any]:
            order = {"id": str(uuid.uuid4()), "buyer": caller(cred), "status": "pending"}
            self.orders[order["id"]] = {**order, "product_id": body.product_id, "quantity": 1}
            return self.orders[order["id"]]

        @app.get("/orders/{order_id}", summary="One of your orders")
        def read(order_id: str, cred: Bearer) -> dict[str, Any]:
            return mine(order_id, cred)

        @app.delete("/orders/{order_id}", status_code=204, summary="Cancel a pending order")
        def cancel(order_id: str, cred: Bearer) -> Response:
            order = mine(order_id, cred)
            if order["status"] != "pending":
                raise HTTPException(409, "Paid orders are refunded by the organiser instead")
            del self.orders[order_id]
            return Response(status_code=204)

        @app.post("/orders/{order_id}/pay", summary="Pay for an order")
        def pay(order_id: str, cred: Bearer) -> dict[str, Any]:
            order = mine(order_id, cred)
            if order["status"] != "pending":
                raise HTTPException(409, "Only pending orders can be paid")
            order["status"] = "paid"
            self.sold += order["quantity"]
            return order


@pytest.mark.parametrize("mode", [(), ("--safe",)], ids=["default", "safe"])
def test_no_order_is_paid_and_the_shop_is_left_as_found(
    tmp_path: Path, mode: tuple[str, ...]
) -> None:
    """No payment goes out; every order the scan placed is cancelled again; the skip says why."""
    shop = Shop()
    with serving(shop.app) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, *mode)
    assert done.returncode == 0, done.stderr
    assert (shop.orders, shop.sold) == ({}, 0)
    said = [
        s["detail"] for s in report["skipped"] if s["operation"] == "POST /orders/{order_id}/pay"
    ]
    assert any("Cancel a pending order" in d or "only before" in d for d in said), said
    placed = [r for r in report["tables"]["target_state"] if "POST /orders" in r["object"]]
    assert placed, report["tables"]["target_state"]
    assert all(r["state"] == "deleted" for r in placed), placed
