"""negative_amount: how bad a negative number is depends on whether it moves value.

A course shop written the FastAPI way (its own /openapi.json, pydantic models, 422 on a
failed constraint). A teacher creates a course with a price (``POST /courses``), adds
an assignment graded out of ``max_points`` (``POST /courses/{slug}/assignments``), and
buys seats for a course from the wallet (``POST /purchases``), which answers the total
charged and the balance left.

* A negative seat count in a purchase moves money (the total and the balance show it):
  high, as a negative payment is.
* A negative price stored on a course the caller made moves no money by itself: low,
  tentative, worth a look (an order of it might).
* ``max_points`` is a grading scale, not an amount: never reported.
* A room's work order (``POST /work-orders``, its estimated cost) is a task, not a
  purchase order: a negative cost on it is stored like the course's price (the LoopBack
  trial's maintenance orders were rated high).

The careful twin refuses negative prices and seats (``ge=0``, ``ge=1``) and still takes
any ``max_points``: nothing of medium or above, nothing on the assignments.
"""

import itertools
from typing import Annotated, Any

import pytest
from fastapi import Depends, FastAPI, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from tiny_support import TOKENS, scan_app

from apiward.core.findings import Confidence, Severity
from apiward.scan import Results
from apiward.scan.checks.negative_amount import NegativeAmount

SEAT_CENTS = 1500


def _shop(*, careful: bool) -> FastAPI:
    """The course shop; ``careful`` puts lower bounds on prices and seats."""
    app = FastAPI(title="courses")
    bearer = HTTPBearer()
    courses: dict[str, dict[str, Any]] = {
        "algebra-1": {
            "slug": "algebra-1",
            "title": "Algebra I",
            "price_cents": 4900,
            "owner": "alice",
        },
        "biology-2": {
            "slug": "biology-2",
            "title": "Biology II",
            "price_cents": 5900,
            "owner": "bob",
        },
    }
    wallets = {"alice": 100_000, "bob": 100_000}
    serial = itertools.count(1)
    price_floor = 0 if careful else None
    seat_floor = 1 if careful else None

    class NewCourse(BaseModel):
        title: str
        price_cents: int = Field(ge=price_floor)

    class NewAssignment(BaseModel):
        title: str
        max_points: int

    class NewWorkOrder(BaseModel):
        room: str
        estimated_cost_cents: int = Field(ge=price_floor)

    class NewPurchase(BaseModel):
        course_slug: str
        seats: int = Field(ge=seat_floor, le=20)

    def user(creds: Annotated[HTTPAuthorizationCredentials, Depends(bearer)]) -> str:
        who = TOKENS.get(f"Bearer {creds.credentials}")
        if who is None:
            raise HTTPException(status_code=401, detail="Not authenticated")
        return who

    Caller = Annotated[str, Depends(user)]  # noqa: N806 — a type alias, as FastAPI documents it

    @app.get("/courses")
    def my_courses(who: Caller) -> list[dict[str, Any]]:
        return [c for c in courses.values() if c["owner"] == who]

    @app.post("/courses", status_code=201)
    def create_course(course: NewCourse, who: Caller) -> dict[str, Any]:
        slug = f"{course.title.lower().replace(' ', '-')[:30]}-{next(serial)}"
        courses[slug] = {"slug": slug, **course.model_dump(), "owner": who}
        return courses[slug]

    @app.get("/courses/{slug}")
    def one_course(slug: str, who: Caller) -> dict[str, Any]:
        if slug not in courses:
            raise HTTPException(status_code=404, detail="Not Found")
        return courses[slug]

    @app.delete("/courses/{slug}", status_code=204)
    def delete_course(slug: str, who: Caller) -> None:
        if courses.get(slug, {}).get("owner") != who:
            raise HTTPException(status_code=404, detail="Not Found")
        del courses[slug]

    @app.post("/courses/{slug}/assignments", status_code=201)
    def add_assignment(slug: str, assignment: NewAssignment, who: Caller) -> dict[str, Any]:
        if courses.get(slug, {}).get("owner") != who:
            raise HTTPException(status_code=404, detail="Not Found")
        return {"id": next(serial), "course": slug, **assignment.model_dump()}

    @app.post("/work-orders", status_code=201)
    def report_repair(order: NewWorkOrder, who: Caller) -> dict[str, Any]:
        return {"id": next(serial), **order.model_dump(), "reported_by": who}

    @app.post("/purchases", status_code=201)
    def purchase(order: NewPurchase, who: Caller) -> dict[str, Any]:
        if order.course_slug not in courses:
            raise HTTPException(status_code=404, detail="Not Found")
        total = order.seats * SEAT_CENTS
        if total > wallets[who]:
            raise HTTPException(status_code=402, detail="Insufficient funds")
        wallets[who] -= total
        return {
            "id": next(serial),
            **order.model_dump(),
            "total_cents": total,
            "balance_cents": wallets[who],
        }

    return app


def _findings(results: Results) -> dict[str, tuple[Severity, Confidence]]:
    return {
        f.operation: (f.severity, f.confidence)
        for f in results.findings
        if f.check == "negative_amount"
    }


@pytest.fixture(scope="module")
def careless() -> Results:
    """The shop that takes any number, --aggressive: nothing deletes a purchase (nor a course),
    so a default scan makes none."""
    return scan_app(_shop(careful=False), [NegativeAmount()], aggressive=True)


def test_negative_seats_in_a_purchase_move_money(careless: Results) -> None:
    """The total and the balance moved the other way: high."""
    assert _findings(careless)["POST /purchases"][0] is Severity.HIGH


def test_a_negative_price_on_ones_own_course_is_low_and_tentative(careless: Results) -> None:
    """Stored on a catalogue item the caller made, it moves nothing by itself."""
    assert _findings(careless)["POST /courses"] == (Severity.LOW, Confidence.TENTATIVE)


def test_a_work_order_is_a_task_not_a_purchase(careless: Results) -> None:
    """Its negative estimated cost is stored, not charged: low, tentative."""
    assert _findings(careless)["POST /work-orders"] == (Severity.LOW, Confidence.TENTATIVE)


def test_a_grading_scale_is_not_an_amount(careless: Results) -> None:
    """``max_points=-1`` accepted is not reported: points are not money nor a quantity."""
    assert "POST /courses/{slug}/assignments" not in _findings(careless)
    assert careless.errors == []


def test_the_careful_shop_gives_nothing_of_medium_or_above() -> None:
    """Prices and seats refused below their floor; max_points still not reported."""
    results = scan_app(_shop(careful=True), [NegativeAmount()], aggressive=True)
    assert results.errors == []
    assert _findings(results) == {}
