"""From the contract alone: how the ledger reads, deletes and rewrites the object a write touched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from apiward.scan import _deleters, _objects, _rewrites
from apiward.scan.request import BodyKind, Request
from apiward.spec import Api, load

OK = {"200": {"description": "ok"}}


def _query(name: str, *, required: bool) -> dict[str, object]:
    return {"name": name, "in": "query", "required": required, "schema": {"type": "integer"}}


PATHS = {
    "/orders": {"get": {"responses": OK}, "post": {"responses": OK}},
    "/orders/{order_id}": {"get": {"responses": OK}, "delete": {"responses": OK}},
    "/orders/{order_id}/pay": {"post": {"responses": OK}},
    "/admin/users": {"get": {"responses": OK}},
    "/admin/users/{username}/role": {"put": {"responses": OK}},
    "/settings": {"put": {"responses": OK}},
    "/auth/login": {"post": {"responses": OK}},
    "/exports": {"post": {"responses": {"201": {"description": "made"}}}},
    "/oauth/token": {"post": {"responses": {"201": {"description": "issued"}}}},
    "/api/tokens": {
        "get": {"responses": OK},
        "post": {"responses": {"201": {"description": "made"}}},
    },
    "/api/tokens/{token_id}": {"delete": {"responses": OK}},
    "/loans": {
        "get": {"parameters": [_query("id", required=False)], "responses": OK},
        "post": {"responses": OK},
        "delete": {"parameters": [_query("id", required=True)], "responses": OK},
    },
    "/tools": {
        "post": {"responses": {"201": {"description": "made"}}},
        "delete": {"parameters": [_query("toolId", required=True)], "responses": OK},
    },
    "/reports": {"delete": {"parameters": [_query("owner_id", required=True)], "responses": OK}},
}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Api:
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": PATHS}
    path = Path(tmp_path_factory.mktemp("spec")) / "openapi.json"
    path.write_text(json.dumps(spec))
    return load(str(path))


def _write(method: str, path: str, **params: str) -> Request:
    return Request(method=method, path=path, operation=f"{method} {path}", path_params=params)


def test_an_action_on_an_item_is_read_through_the_item(api: Api) -> None:
    """``POST /orders/{id}/pay`` changes the order: it is read with ``GET /orders/{id}``."""
    reader = _objects.reader(api, _write("POST", "/orders/{order_id}/pay", order_id="7"))
    assert reader is not None
    assert (reader.read.target, reader.pick) == ("/orders/7", None)


def test_an_item_without_its_own_get_is_found_in_its_listing(api: Api) -> None:
    """``PUT /admin/users/{u}/role`` is read in ``GET /admin/users``, by the row holding the id."""
    reader = _objects.reader(api, _write("PUT", "/admin/users/{username}/role", username="bob"))
    assert reader is not None
    assert (reader.read.target, reader.item.target, reader.pick) == (
        "/admin/users",
        "/admin/users/bob",
        "bob",
    )
    rows = {"users": [{"username": "alice", "manager": "bob"}, {"username": "bob", "role": "x"}]}
    assert reader.show(rows) == {"username": "bob", "role": "x"}


def test_a_write_nothing_reads_has_no_reader(api: Api) -> None:
    """``PUT /settings`` has no GET anywhere: the ledger cannot snapshot it."""
    assert _objects.reader(api, _write("PUT", "/settings")) is None


def test_a_write_to_part_of_ones_record_is_read_through_the_record_in_its_envelope(
    tmp_path: Path,
) -> None:
    """``POST /api/me/avatar`` is read with ``GET /api/me``, whose ``data`` shows ``avatar_url``."""
    user = {"type": "object", "properties": {"name": {"type": "string"}, "avatar_url": {"type": "string"}}}  # fmt: skip
    answer = {"type": "object", "properties": {"success": {"type": "boolean"}, "data": user}}
    paths = {
        "/api/me": {
            "get": {
                "responses": {
                    "200": {
                        "description": "me",
                        "content": {"application/json": {"schema": answer}},
                    }
                }
            }
        },
        "/api/me/avatar": {"post": {"responses": OK}},
    }
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}
    path = tmp_path / "openapi.json"
    path.write_text(json.dumps(spec))
    reader = _objects.reader(load(str(path)), _write("POST", "/api/me/avatar"))
    assert reader is not None
    assert (reader.read.target, reader.part) == ("/api/me", True)


def test_collections_and_201s_create_logins_do_not(api: Api) -> None:
    """A POST on a collection with items, or documented with 201, creates; a login does not.

    A collection of tokens the user lists and revokes is a collection, not a login.
    """
    creates = {op.key: _objects.creates(api, op) for op in api.operations if op.method == "POST"}
    assert creates == {
        "POST /orders": True,
        "POST /orders/{order_id}/pay": False,
        "POST /auth/login": False,
        "POST /exports": True,
        "POST /oauth/token": False,
        "POST /api/tokens": True,
        "POST /loans": True,
        "POST /tools": True,
    }


@pytest.mark.parametrize(
    ("answer", "location", "expected"),
    [
        ({"order_id": 5, "id": 9}, None, "5"),
        ({"data": {"id": "ord_1"}}, None, "ord_1"),
        ({"result": {"uuid": "u-2"}}, None, "u-2"),
        ({"status": "queued"}, "/orders/31?x=1", "31"),
        ({"status": "queued"}, None, None),
    ],
    ids=["item parameter first", "data envelope", "result envelope", "Location", "none"],
)
def test_the_new_id_comes_from_the_answer(
    api: Api, answer: object, location: str | None, expected: str | None
) -> None:
    """The id of a created object: the item's parameter name, id-like fields, envelopes, Location."""
    post = _write("POST", "/orders")
    assert _objects.new_id(api, post, answer, location) == expected


def test_an_item_key_bare_of_its_resource_names_the_new_object(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """``/claims/{claim_ref}`` keys claims by ``ref`` in their answers (a Flask expense API);
    a part left that says no identifier (``name`` of ``{book_name}``) is no key."""
    paths = {
        "/claims": {"post": {"responses": {"201": {"description": "filed"}}}},
        "/claims/{claim_ref}": {"get": {"responses": OK}, "delete": {"responses": OK}},
        "/books": {"post": {"responses": {"201": {"description": "added"}}}},
        "/books/{book_name}": {"get": {"responses": OK}},
    }
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}
    path = Path(tmp_path_factory.mktemp("keys")) / "openapi.json"
    path.write_text(json.dumps(spec))
    keyed = load(str(path))
    claim = {"ref": "CLM-100X", "owner": "alice@office.test", "status": "submitted"}
    assert _objects.new_id(keyed, _write("POST", "/claims"), claim, None) == "CLM-100X"
    book = {"name": "Dune", "pages": 412}
    assert _objects.new_id(keyed, _write("POST", "/books"), book, None) is None


def test_the_delete_of_a_made_object_names_its_id(api: Api) -> None:
    """The DELETE on the item path, with the new id; none when the contract has no DELETE."""
    delete = _deleters.deleter(api, _write("POST", "/orders"), "31")
    assert delete is not None
    assert (delete.method, delete.target) == ("DELETE", "/orders/31")
    assert _deleters.deleter(api, _write("POST", "/exports"), "4") is None


def test_a_collection_without_item_paths_deletes_and_reads_by_its_query_id(api: Api) -> None:
    """``DELETE /loans?id=7`` removes what ``POST /loans`` made, ``GET /loans?id=7`` reads it
    back; ``toolId`` keys tools, while ``owner_id`` names no report."""
    delete = _deleters.deleter(api, _write("POST", "/loans"), "7")
    assert delete is not None
    assert (delete.method, delete.target) == ("DELETE", "/loans?id=7")
    read = _objects.reader(api, delete)
    assert read is not None
    assert (read.read.target, read.item.target, read.one) == ("/loans?id=7", "/loans?id=7", True)
    tools = _deleters.deleter(api, _write("POST", "/tools"), "3")
    assert tools is not None
    assert tools.target == "/tools?toolId=3"
    assert _objects.new_id(api, _write("POST", "/tools"), {"data": {"toolId": 3}}, None) == "3"
    reports = api.operation("DELETE", "/reports")
    assert reports is not None
    assert _objects.query_key(api, reports) is None


def test_rewrites_put_the_old_values_back_with_the_scans_own_write(api: Api) -> None:
    """The scan's write again, with only the fields the reader showed, set to their old values."""
    item = _write("GET", "/admin/users/{username}", username="bob")
    sent = Request(
        method="PUT",
        path="/admin/users/{username}/role",
        path_params={"username": "bob"},
        body={"role": "ghost", "injected": 1},
        body_kind=BodyKind.JSON,
    )
    before = {"username": "bob", "role": "member"}
    [again] = _rewrites.rewrites(api, item, [sent], before, {"role": "member"})
    assert (again.method, again.target, again.body) == (
        "PUT",
        "/admin/users/bob/role",
        {"role": "member"},
    )


@pytest.mark.parametrize(
    ("name", "volatile"),
    [
        ("last_name", False),
        ("lastName", False),
        ("last_login", True),
        ("lastSeen", True),
        ("updated_at", True),
        ("createdAt", True),
        ("etag", True),
    ],
)
def test_a_users_last_name_is_restored_a_last_login_is_not(name: str, volatile: bool) -> None:
    """Fields the target moves on its own are never compared; a last name is the user's own."""
    assert bool(_objects.VOLATILE.search(name)) is volatile


NESTED = {
    "/boards/{board_id}/cards": {"get": {"responses": OK}, "post": {"responses": OK}},
    "/cards/{card_id}": {"get": {"responses": OK}, "delete": {"responses": OK}},
    "/orgs/{org}/teams/{team}/docs": {"post": {"responses": OK}},
    "/orgs/{org}/docs/{doc_id}": {"delete": {"responses": OK}},
    "/boards/{board_id}/stars": {"post": {"responses": OK}},
}


@pytest.fixture(scope="module")
def nested(tmp_path_factory: pytest.TempPathFactory) -> Api:
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": NESTED}
    path = Path(tmp_path_factory.mktemp("nested")) / "openapi.json"
    path.write_text(json.dumps(spec))
    return load(str(path))


def test_an_object_made_under_a_parent_is_deleted_at_the_top_level(nested: Api) -> None:
    """``POST /boards/{b}/cards`` makes a card that ``DELETE /cards/{card_id}`` removes."""
    made = _write("POST", "/boards/{board_id}/cards", board_id="7")
    delete = _deleters.deleter(nested, made, "31")
    assert delete is not None
    assert (delete.target, delete.path_params) == ("/cards/31", {"card_id": "31"})
    assert _objects.new_id(nested, made, {"card_id": 31, "board_id": 7}, None) == "31"


def test_the_nearest_parent_is_dropped_first(nested: Api) -> None:
    """A doc made in a team of an org is deleted in the org, where the contract has it."""
    made = _write("POST", "/orgs/{org}/teams/{team}/docs", org="acme", team="ops")
    delete = _deleters.deleter(nested, made, "9")
    assert delete is not None
    assert delete.target == "/orgs/acme/docs/9"


def test_a_top_level_item_is_made_by_the_post_under_its_parent(nested: Api) -> None:
    """The write on ``/cards/{card_id}`` knows its object's creation; another collection has none."""
    delete = nested.operation("DELETE", "/cards/{card_id}")
    assert delete is not None
    slot = _objects.object_slot(nested, delete)
    assert slot is not None
    assert (slot[0], slot[1].key) == (
        "card_id",
        "POST /boards/{board_id}/cards",
    )
    assert (
        _deleters.deleter(nested, _write("POST", "/boards/{board_id}/stars", board_id="7"), "1")
        is None
    )


def test_an_item_named_in_the_body_is_read_under_the_collections_parents(tmp_path: Path) -> None:
    """``PATCH /teams/7/members {"member_id": 3}`` is read at ``/teams/7/members/3``, all filled."""
    paths = {
        "/teams/{team_id}/members": {"patch": {"responses": OK}},
        "/teams/{team_id}/members/{member_id}": {"get": {"responses": OK}},
    }
    spec = {"openapi": "3.0.3", "info": {"title": "t", "version": "1"}, "paths": paths}
    (tmp_path / "openapi.json").write_text(json.dumps(spec))
    api = load(str(tmp_path / "openapi.json"))
    write = Request(
        method="PATCH",
        path="/teams/{team_id}/members",
        path_params={"team_id": "7"},
        body={"member_id": 3, "role": "viewer"},
        body_kind=BodyKind.JSON,
    )
    read = _objects.reader(api, write)
    assert read is not None
    assert read.read.target == "/teams/7/members/3"
    assert read.read.unfilled == ()
