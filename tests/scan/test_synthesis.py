"""Synthesis: a valid request per operation (deterministic for a seed and run), URLs at the canary."""

from __future__ import annotations

import json
import random
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from apiward.core.findings import Exchange, RecordedRequest, RecordedResponse
from apiward.scan.request import BodyKind, Request
from apiward.scan.synthesis import Synthesizer
from apiward.scan.transport import Reply
from apiward.spec import Api, load

CANARY = "http://127.0.0.1:9/c/aw00"
SPEC = """
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /users/{user_id}/orders:
    post:
      parameters:
        - {name: user_id, in: path, required: true, schema: {type: string, format: uuid}}
        - {name: page, in: query, required: true, schema: {type: integer, minimum: 5, maximum: 9}}
        - {name: verbose, in: query, schema: {type: boolean}}
      requestBody:
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Order'}
      responses: {'201': {description: created}}
  /import:
    post:
      requestBody:
        content:
          application/x-www-form-urlencoded:
            schema:
              type: object
              required: [source]
              properties: {source: {type: string, format: uri}, count: {type: integer}}
      responses: {'200': {description: ok}}
components:
  schemas:
    Order:
      type: object
      required: [sku, email, quantity]
      properties:
        sku: {type: string, pattern: '^[A-Z]{3}-[0-9]{4}$'}
        email: {type: string, format: email}
        quantity: {type: integer, exclusiveMinimum: 0, maximum: 3}
        kind: {type: string, enum: [gift, normal]}
        note: {type: string, examples: [hello]}
        callback_url: {type: string}
        id: {type: integer, readOnly: true}
        parent: {$ref: '#/components/schemas/Order'}
"""


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Api:
    """A small contract with formats, patterns, bounds, refs, recursion and a form body."""
    path: Path = tmp_path_factory.mktemp("spec") / "spec.yaml"
    path.write_text(SPEC)
    return load(path)


def _op(api: Api, method: str, path: str):  # type: ignore[no-untyped-def]
    op = api.operation(method, path)
    assert op is not None
    return op


def test_values_follow_formats_patterns_bounds_and_enums(api: Api) -> None:
    """Every generated value is valid for its schema."""
    request = Synthesizer(api, url=CANARY).request(_op(api, "POST", "/users/{user_id}/orders"))
    uuid.UUID(request.path_params["user_id"])
    assert dict(request.query) == {"page": "5"}
    body = request.body
    assert re.fullmatch(r"[A-Z]{3}-[0-9]{4}", body["sku"])
    assert re.fullmatch(r"apiward\w+@example\.com", body["email"])
    assert body["quantity"] == 1
    assert body["kind"] == "gift"
    assert body["note"] == "hello"
    assert "id" not in body
    assert request.body_kind is BodyKind.JSON


def test_url_values_point_at_the_canary(api: Api) -> None:
    """format: uri and URL-named fields get the canary URL, never an outside host."""
    order = Synthesizer(api, url=CANARY).request(_op(api, "POST", "/users/{user_id}/orders"))
    form = Synthesizer(api, url=CANARY).request(_op(api, "POST", "/import"))
    assert order.body["callback_url"] == CANARY
    assert form.body == {"source": CANARY, "count": "1"}
    assert form.body_kind is BodyKind.FORM


def test_recursion_is_bounded(api: Api) -> None:
    """A self-referencing schema still gives a finite value."""
    value = Synthesizer(api, url=CANARY).value(
        {"$ref": "#/$defs/Order"},
        random.Random(0),  # noqa: S311
        name="order",
    )
    depth = 0
    while isinstance(value, dict) and "parent" in value:
        value, depth = value["parent"], depth + 1
    assert depth < 10


def test_requests_are_deterministic_for_a_seed(api: Api) -> None:
    """The same seed and run tag give the same request; another seed may differ.

    (The run tag, random by default, keeps unique fields unique across scans.)
    """
    op = _op(api, "POST", "/users/{user_id}/orders")
    first = Synthesizer(api, url=CANARY, seed=1, run="r1").request(op)
    again = Synthesizer(api, url=CANARY, seed=1, run="r1").request(op)
    other = Synthesizer(api, url=CANARY, seed=2, run="r1").request(op)
    assert first == again
    assert first.path_params != other.path_params


def test_user_values_win_over_the_contract(api: Api) -> None:
    """A value given by name (--value) is used for that parameter and that body property."""
    synthesizer = Synthesizer(api, url=CANARY, values={"sku": "ABC-0001", "page": 7})
    request = synthesizer.request(_op(api, "POST", "/users/{user_id}/orders"))
    assert request.body["sku"] == "ABC-0001"
    assert ("page", "7") in request.query


def test_user_values_never_go_into_deletes(tmp_path: Path) -> None:
    """A value the user gave (a coupon to test with) is not what a DELETE request names."""
    path = tmp_path / "spec.yaml"
    path.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:\n  /codes/{code}:\n"
        "    parameters: [{name: code, in: path, required: true, schema: {type: string}}]\n"
        "    get: {responses: {'200': {description: ok}}}\n"
        "    delete: {responses: {'204': {description: gone}}}\n"
    )
    api = load(path)
    synthesizer = Synthesizer(api, url=CANARY, values={"code": "SPRING10"})
    assert synthesizer.request(_op(api, "GET", "/codes/{code}")).path_params["code"] == "SPRING10"
    assert (
        synthesizer.request(_op(api, "DELETE", "/codes/{code}")).path_params["code"] != "SPRING10"
    )


def test_user_values_given_as_text_take_the_schema_type(api: Api) -> None:
    """'--value quantity=2' is the integer 2 in JSON; text stays text where the schema says string."""
    values = {"quantity": "2", "note": "42", "email": "x@example.com"}
    synthesizer = Synthesizer(api, url=CANARY, values=values)
    body = synthesizer.request(_op(api, "POST", "/users/{user_id}/orders")).body
    assert (body["quantity"], body["note"], body["email"]) == (2, "42", "x@example.com")


UNIQUE = """
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /staff:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                name: {type: string, maxLength: 12}
                email: {type: string, format: email, examples: [jane@example.com]}
                phone: {type: string, pattern: '^\\+49[0-9]{9}$'}
                slug: {type: string, minLength: 3, maxLength: 40}
                department: {type: string, examples: [Sales]}
                first_name: {type: string, examples: [Jane]}
      responses: {'201': {description: created}}
"""


@pytest.fixture(scope="module")
def staff(tmp_path_factory: pytest.TempPathFactory) -> Api:
    """A creation whose name, e-mail, phone and slug must be unique."""
    path: Path = tmp_path_factory.mktemp("unique") / "spec.yaml"
    path.write_text(UNIQUE)
    return load(path)


def test_unique_fields_differ_per_request_and_fit_the_schema(staff: Api) -> None:
    """Name, e-mail, phone and slug are new in every request, and still valid for their schema."""
    synthesizer = Synthesizer(staff, url=CANARY)
    op = _op(staff, "POST", "/staff")
    bodies = [synthesizer.request(op).body for _ in range(5)]
    for field in ("name", "email", "phone", "slug"):
        assert len({b[field] for b in bodies}) == 5, field
    for body in bodies:
        assert len(body["name"]) <= 12
        assert re.fullmatch(r"[^@\s]+@example\.com", body["email"])
        assert re.fullmatch(r"\+49[0-9]{9}", body["phone"])
        assert 3 <= len(body["slug"]) <= 40


def test_unique_fields_differ_between_scans(staff: Api) -> None:
    """Two scans (two synthesizers) never send the same e-mail: a rerun does not collide."""
    op = _op(staff, "POST", "/staff")
    one = Synthesizer(staff, url=CANARY).request(op).body
    two = Synthesizer(staff, url=CANARY).request(op).body
    assert one["email"] != two["email"]


def test_other_fields_keep_the_contract_examples(staff: Api) -> None:
    """Fields that need not be unique keep the contract's example (a department, a first name)."""
    body = Synthesizer(staff, url=CANARY).request(_op(staff, "POST", "/staff")).body
    assert (body["department"], body["first_name"]) == ("Sales", "Jane")


def _answer(body: Any, sent: Any = None) -> Reply:
    """A 200 JSON reply to a GET (or to a POST of ``sent``)."""
    request = Request(method="POST" if sent else "GET", path="/x", operation="x", body=sent)
    exchange = Exchange(
        request=RecordedRequest(method="GET", url="http://127.0.0.1/x", headers=()),
        response=RecordedResponse(status=200, headers=()),
    )
    text = json.dumps(body)
    return Reply(exchange=exchange, status=200, text=text, headers=(), sent=request)


def test_values_the_api_showed_win_over_examples_for_plain_fields(staff: Api) -> None:
    """A department the API's answers showed is used; unique fields stay fresh regardless."""
    synthesizer = Synthesizer(staff, url=CANARY)
    synthesizer.observed.learn(_answer([{"department": "Kitchen", "email": "a@b.c"}]))
    body = synthesizer.request(_op(staff, "POST", "/staff")).body
    assert body["department"] == "Kitchen"
    assert body["email"] != "a@b.c"


PYDANTIC = """
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /api/me:
    patch:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                default_hourly_rate:
                  anyOf: [{type: number}, {type: string}, {type: 'null'}]
                  default: 50
                currency:
                  anyOf: [{type: string, maxLength: 3}, {type: 'null'}]
                  default: EUR
      responses: {'200': {description: ok}}
"""


def test_values_the_api_showed_win_over_defaults_through_any_of(tmp_path: Path) -> None:
    """Pydantic's optional fields: the caller's own rate, not the schema's default (Ninja)."""
    path = tmp_path / "spec.yaml"
    path.write_text(PYDANTIC)
    api = load(path)
    synthesizer = Synthesizer(api, url=CANARY)
    synthesizer.observed.learn(_answer({"profile": {"default_hourly_rate": "65.00"}}))
    body = synthesizer.request(_op(api, "PATCH", "/api/me")).body
    assert body == {"default_hourly_rate": "65.00", "currency": "EUR"}


NAMED = """
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /books/v1:
    get: {responses: {'200': {description: ok}}}
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                book_title: {type: string, examples: [book99]}
                genre: {type: string, examples: [poetry]}
      responses: {'200': {description: ok}}
  /books/v1/{book_title}:
    get:
      parameters: [{name: book_title, in: path, required: true, schema: {type: string}}]
      responses: {'200': {description: ok}}
  /reviews:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties: {book_title: {type: string, examples: [book99]}}
      responses: {'200': {description: ok}}
"""


def test_the_field_a_collection_is_addressed_by_is_fresh_in_its_creation(tmp_path: Path) -> None:
    """POST /books/v1's book_title (/books/v1/{book_title}) is fresh, never a seen book's."""
    path = tmp_path / "spec.yaml"
    path.write_text(NAMED)
    api = load(path)
    synthesizer = Synthesizer(api, url=CANARY)
    synthesizer.observed.learn(_answer([{"book_title": "bobs diary", "genre": "memoir"}]))
    bodies = [synthesizer.request(_op(api, "POST", "/books/v1")).body for _ in range(2)]
    assert bodies[0]["book_title"] != bodies[1]["book_title"]
    assert {b["book_title"] for b in bodies}.isdisjoint({"bobs diary", "book99"})
    assert bodies[0]["genre"] == "memoir"
    review = synthesizer.request(_op(api, "POST", "/reviews")).body
    assert review["book_title"] == "bobs diary"  # another collection's POST refers to a book


SIGN_UP = """
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /signup:
    post:
      security: []
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                username: {type: string}
                password: {type: string, minLength: 8, maxLength: 64, example: dave-pass-4}
                pin_password: {type: string, maxLength: 6}
                licensePlate: {type: string, example: B-FG-101}
                passwordChangedAt: {type: string, format: date-time}
      responses: {'200': {description: signed up}}
"""


def test_each_scan_signs_up_with_a_password_of_its_own(tmp_path: Path) -> None:
    """No account a scan leaves behind opens with a password every apiward user knows, nor
    with the one the contract shows as its example (the Express trial's admin did)."""
    path = tmp_path / "spec.yaml"
    path.write_text(SIGN_UP)
    api = load(path)
    op = _op(api, "POST", "/signup")
    one, two = Synthesizer(api, url=CANARY), Synthesizer(api, url=CANARY)
    first, second = one.request(op).body, two.request(op).body
    assert first["password"] == one.password != two.password == second["password"]
    assert 8 <= len(first["password"]) <= 64
    assert len(first["pin_password"]) <= 6
    assert first["licensePlate"] != "B-FG-101" != second["licensePlate"]  # unique per car
    assert first["licensePlate"] != second["licensePlate"]
    assert "passwordChangedAt" not in first or first["passwordChangedAt"] != one.password


PROFILE = """
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /users/me:
    patch:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                full_name: {type: string}
                password: {type: string, minLength: 8}
      responses: {'200': {description: updated}}
  /users/me/password:
    put:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              required: [new_password]
              properties:
                new_password: {type: string}
      responses: {'204': {description: changed}}
"""


def test_an_update_sets_no_password_it_need_not(tmp_path: Path) -> None:
    """A profile update leaves an optional password out (under --aggressive the Litestar
    trial's alice was locked out by one); a password change still names the new one."""
    path = tmp_path / "spec.yaml"
    path.write_text(PROFILE)
    api = load(path)
    synthesizer = Synthesizer(api, url=CANARY)
    assert "password" not in synthesizer.request(_op(api, "PATCH", "/users/me")).body
    change = synthesizer.request(_op(api, "PUT", "/users/me/password")).body
    assert change["new_password"] == synthesizer.password


RENTER = """
openapi: 3.1.0
info: {title: t, version: '1'}
paths:
  /auth/register:
    post:
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                name: {type: string}
                address: {type: string, example: Musterstrasse 1}
                driverLicense: {type: string}
                city: {type: string}
                bio: {type: string}
                aboutMe: {type: string}
                full_name: {type: string}
                lastName: {type: string}
      responses: {'201': {description: created}}
"""


def test_no_ones_own_data_is_copied_into_what_the_scan_makes(tmp_path: Path) -> None:
    """Another user's address, licence number and words about themselves, as the API showed
    them, stay theirs: the Express trial's scan accounts carried alice's street and bob's
    licence, the last trial round's alice's bio ("Hi, I am alice."), the BlackSheep trial's
    her full name; a city is no one's."""
    path = tmp_path / "spec.yaml"
    path.write_text(RENTER)
    api = load(path)
    synthesizer = Synthesizer(api, url=CANARY)
    seen = {"address": "Ahornweg 1, 10115 Berlin", "driverLicense": "B0B00000002", "city": "Berlin",
            "bio": "Hi, I am alice.", "aboutMe": "Bob, from Leeds.", "full_name": "Alice Moreau",
            "lastName": "Lindqvist"}  # fmt: skip
    synthesizer.observed.learn(_answer([seen]))
    body = synthesizer.request(_op(api, "POST", "/auth/register")).body
    assert body["address"] == "Musterstrasse 1"  # the contract's example
    assert body["driverLicense"] != "B0B00000002"
    assert body["bio"] != "Hi, I am alice."
    assert body["aboutMe"] != "Bob, from Leeds."
    assert body["full_name"] != "Alice Moreau"
    assert body["lastName"] != "Lindqvist"
    assert body["city"] == "Berlin"


ADMIN_UPDATE = """
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /admin/users/{user_id}:
    patch:
      parameters: [{name: user_id, in: path, required: true, schema: {type: integer}}]
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                role: {type: string, nullable: true}
                team: {type: string}
      responses: {'200': {description: updated}}
"""


def test_a_privilege_field_takes_the_least_value_the_api_showed(tmp_path: Path) -> None:
    """Of the roles an admin's user listing showed, ``user``: the Sanic trial's scan had sent
    the most seen, ``admin``, and made its own victim account an admin it then left."""
    path = tmp_path / "spec.yaml"
    path.write_text(ADMIN_UPDATE)
    api = load(path)
    synthesizer = Synthesizer(api, url=CANARY)
    listing = [{"role": "admin", "team": "ops"}, {"role": "admin", "team": "ops"}]
    synthesizer.observed.learn(_answer([*listing, {"role": "user", "team": "web"}]))
    body = synthesizer.request(_op(api, "PATCH", "/admin/users/{user_id}")).body
    assert body == {"role": "user", "team": "ops"}
    only_admins = Synthesizer(api, url=CANARY)
    only_admins.observed.learn(_answer(listing))
    assert only_admins.request(_op(api, "PATCH", "/admin/users/{user_id}")).body["role"] != "admin"


def test_a_role_the_identities_file_ranks_goes_by_that_rank(tmp_path: Path) -> None:
    """The BlackSheep trial's clinic ranked its pet owners lowest (``rank: 1``), its vets at 5:
    the scan's own accounts took ``vet``, since "owner" sounds above it, and were left as vets."""
    path = tmp_path / "spec.yaml"
    path.write_text(ADMIN_UPDATE)
    api = load(path)
    synthesizer = Synthesizer(api, url=CANARY)
    synthesizer.observed.learn(_answer([{"role": r} for r in ("admin", "vet", "owner")]))
    assert synthesizer.request(_op(api, "PATCH", "/admin/users/{user_id}")).body["role"] == "vet"
    synthesizer.roles = {"owner": 1, "vet": 5, "admin": 10}
    assert synthesizer.request(_op(api, "PATCH", "/admin/users/{user_id}")).body["role"] == "owner"


PAYOUT_UPDATE = """
openapi: 3.0.3
info: {title: t, version: '1'}
paths:
  /payout-accounts/{account_id}:
    patch:
      parameters: [{name: account_id, in: path, required: true, schema: {type: integer}}]
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                is_default: {type: boolean}
                primaryCard: {type: boolean}
                notify: {type: boolean}
      responses: {'200': {description: updated}}
"""


def test_a_flag_that_picks_one_object_of_many_is_never_made_up_true(tmp_path: Path) -> None:
    """``is_default: true`` on the scan's own payout account took the flag from bob's real one
    (the APIFlask trial); other made-up flags stay true."""
    path = tmp_path / "spec.yaml"
    path.write_text(PAYOUT_UPDATE)
    api = load(path)
    body = Synthesizer(api, url=CANARY).request(_op(api, "PATCH", "/payout-accounts/{account_id}"))
    assert body.body == {"is_default": False, "primaryCard": False, "notify": True}
