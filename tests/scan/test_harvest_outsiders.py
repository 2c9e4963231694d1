"""Harvesting APIs that do not look like ours: names as ids, types of objects, who created what."""

from __future__ import annotations

from pathlib import Path

import pytest
from harvest_support import operation, reply

from apiward.scan.harvest import Harvest
from apiward.scan.identities import Identity
from apiward.scan.synthesis import Synthesizer
from apiward.spec import Api, load


def _item(path: str, name: str, kind: str = "string") -> str:
    return f"""
  {path}:
    get:
      parameters: [{{name: {name}, in: path, required: true, schema: {{type: {kind}}}}}]
      responses: {{'200': {{description: ok}}}}"""


_LIST = "\n    get: {responses: {'200': {description: ok}}}"
SPEC = (
    "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:"
    + "".join(f"\n  {p}:{_LIST}" for p in ("/users/v1", "/books/v1", "/notes", "/pets", "/menu"))
    + "\n  /orders:"
    + _LIST
    + "\n    post: {responses: {'200': {description: ok}}}"
    + _item("/users/v1/{username}", "username")
    + _item("/books/v1/{book_title}", "book_title")
    + _item("/subscribers/{email}", "email")
    + _item("/pets/{petId}", "petId", "integer")
    + _item("/orders/{order_id}", "order_id", "integer")
    + _item("/menu/{item}", "item", "integer")
)

ALICE = Identity(name="alice", role="user", headers={"X": "a"})
BOB = Identity(name="bob", role="user", headers={"X": "b"})


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Api:
    """Listings and item paths named the way other people name them."""
    path: Path = tmp_path_factory.mktemp("spec") / "spec.yaml"
    path.write_text(SPEC)
    return load(path)


@pytest.fixture
def harvest(api: Api) -> Harvest:
    """An empty harvest of the contract."""
    return Harvest(Synthesizer(api, url="http://127.0.0.1:9/"))


def _owned(harvest: Harvest, api: Api, who: Identity, path: str) -> list[str | int]:
    op = operation(api, "GET", path)
    (slot,) = harvest.slots(op)
    return [s.value for s in harvest.owned(who, op, slot)]


@pytest.mark.parametrize(
    ("listing", "body", "item", "value"),
    [
        ("/users/v1", '{"users": [{"username": "alice", "role": "user"}]}', "/users/v1/{username}", "alice"),
        ("/books/v1", '[{"title": "Dune", "id": 7}]', "/books/v1/{book_title}", "Dune"),
        ("/pets", '{"data": [{"id": 4, "name": "Rex"}]}', "/pets/{petId}", 4),
    ],
    ids=["username", "title-of-book_title", "primary-key"],
)  # fmt: skip
def test_the_field_an_item_path_takes_is_learnt(
    api: Api, harvest: Harvest, listing: str, body: str, item: str, value: str | int
) -> None:
    """{x} of /R/{x} takes R's field named like x (book_title ↔ title), else R's primary key."""
    harvest.record(ALICE, operation(api, "GET", listing), reply(body))
    assert _owned(harvest, api, ALICE, item) == [value]


def test_a_field_of_another_collection_does_not_fit_by_its_plain_name(
    api: Api, harvest: Harvest
) -> None:
    """A note's title is no book's title, and a note's email no subscriber's."""
    harvest.record(
        ALICE, operation(api, "GET", "/notes"), reply('[{"title": "x", "email": "a@x"}]')
    )
    assert _owned(harvest, api, ALICE, "/books/v1/{book_title}") == []
    assert _owned(harvest, api, ALICE, "/subscribers/{email}") == []


def test_ownership_is_per_resource_type(api: Api, harvest: Harvest) -> None:
    """The public menu item 1 does not make alice's order 1 public."""
    harvest.record(None, operation(api, "GET", "/menu"), reply('[{"id": 1}]'))
    harvest.record(ALICE, operation(api, "GET", "/menu"), reply('[{"id": 1}]'))
    harvest.record(ALICE, operation(api, "GET", "/orders"), reply('[{"id": 1}]'))
    harvest.record(BOB, operation(api, "GET", "/orders"), reply('[{"id": 2}]'))
    assert _owned(harvest, api, ALICE, "/orders/{order_id}") == [1]
    assert _owned(harvest, api, ALICE, "/menu/{item}") == []


def test_the_creator_owns_what_its_creation_answered(api: Api, harvest: Harvest) -> None:
    """Alice's creation answered order 5; bob listing it later does not make it shared."""
    harvest.record(ALICE, operation(api, "POST", "/orders"), reply('{"id": 5}'), created=True)
    harvest.record(BOB, operation(api, "GET", "/orders"), reply('[{"id": 5}]'))
    assert _owned(harvest, api, ALICE, "/orders/{order_id}") == [5]
    assert _owned(harvest, api, BOB, "/orders/{order_id}") == []


def test_a_location_header_names_the_created_object(api: Api, harvest: Harvest) -> None:
    """A creation answering 201 with no body but a Location learns the id from it."""
    made = reply("", status=201, location="/orders/9")
    harvest.record(ALICE, operation(api, "POST", "/orders"), made, created=True)
    assert _owned(harvest, api, ALICE, "/orders/{order_id}") == ["9"]


def test_a_creation_answering_a_message_is_learnt_from_the_listing(
    api: Api, harvest: Harvest
) -> None:
    """The ids a listing shows after the creation and not before are the creator's."""
    listing = operation(api, "GET", "/orders")
    harvest.record(BOB, listing, reply('{"status": "ok", "data": [{"id": 1}, {"id": 3}]}'))
    created = harvest.record(
        ALICE, operation(api, "POST", "/orders"), reply('{"message": "created"}'), created=True
    )
    assert created == []
    before = reply('{"status": "ok", "data": [{"id": 1}]}')
    after = reply('{"status": "ok", "data": [{"id": 1}, {"id": 8}]}')
    new = harvest.record_new(ALICE, listing, before, after)
    assert [s.value for s in new] == [8]
    assert _owned(harvest, api, ALICE, "/orders/{order_id}") == [8]


def test_a_creation_in_a_collection_everyone_lists_alike_is_nobodys(
    api: Api, harvest: Harvest
) -> None:
    """Both list the same seeded orders: what alice then creates there is shared, not hers."""
    listing = operation(api, "GET", "/orders")
    for who in (ALICE, BOB):
        harvest.record(who, listing, reply('[{"id": 1}, {"id": 2}]'))
    harvest.record(ALICE, operation(api, "POST", "/orders"), reply('{"id": 9}'), created=True)
    assert harvest.shared("order")
    assert _owned(harvest, api, ALICE, "/orders/{order_id}") == []
    op = operation(api, "GET", "/orders/{order_id}")
    (slot,) = harvest.slots(op)
    assert [s.value for s in harvest.seen(ALICE, op, slot)] == [9, 1, 2]  # its write goes to 9


def test_a_role_without_peers_owns_nothing_in_a_collection_everyone_lists_alike(
    api: Api, harvest: Harvest
) -> None:
    """The only manager sees what every user sees: no peer of hers saw it, yet it is nobody's."""
    manager = Identity(name="mona", role="manager", headers={"X": "m"})
    listing = operation(api, "GET", "/orders")
    for who in (ALICE, BOB, manager):
        harvest.record(who, listing, reply('[{"id": 1}, {"id": 2}]'))
    assert _owned(harvest, api, manager, "/orders/{order_id}") == []
    harvest.record(manager, listing, reply('[{"id": 1}, {"id": 2}, {"id": 5}]'))
    # Her listing now differs: as before, what no peer of her role saw is hers.
    assert sorted(_owned(harvest, api, manager, "/orders/{order_id}")) == [1, 2, 5]


def test_a_creation_is_its_creators_where_listings_differ_or_are_empty(
    api: Api, harvest: Harvest
) -> None:
    """Each lists its own orders, or nobody lists any: alice's creation stays hers."""
    listing = operation(api, "GET", "/orders")
    harvest.record(ALICE, listing, reply("[]"))
    harvest.record(BOB, listing, reply("[]"))
    harvest.record(ALICE, operation(api, "POST", "/orders"), reply('{"id": 9}'), created=True)
    assert not harvest.shared("order")
    assert _owned(harvest, api, ALICE, "/orders/{order_id}") == [9]
    harvest.record(BOB, listing, reply('[{"id": 4}]'))
    assert _owned(harvest, api, ALICE, "/orders/{order_id}") == [9]


def test_a_collection_whose_objects_name_an_owner_is_never_shared(
    api: Api, harvest: Harvest
) -> None:
    """Everyone lists every order, each naming its owner: alice's creation stays hers."""
    listing = operation(api, "GET", "/orders")
    for who in (ALICE, BOB):
        harvest.record(who, listing, reply('[{"id": 1, "owner": "carl"}, {"id": 2}]'))
    harvest.record(ALICE, operation(api, "POST", "/orders"), reply('{"id": 9}'), created=True)
    assert not harvest.shared("order")
    assert _owned(harvest, api, ALICE, "/orders/{order_id}") == [9]


def test_own_ids_are_owned_although_every_user_lists_them(api: Api, harvest: Harvest) -> None:
    """Both users list both usernames: shared, yet each owns its own (record_own)."""
    users = reply('[{"username": "alice"}, {"username": "bob"}]')
    for who in (ALICE, BOB):
        harvest.record(who, operation(api, "GET", "/users/v1"), users)
    assert _owned(harvest, api, ALICE, "/users/v1/{username}") == []
    harvest.record_own(ALICE, "username", "alice")
    harvest.record_own(BOB, "username", "bob")
    assert _owned(harvest, api, ALICE, "/users/v1/{username}") == ["alice"]
    assert _owned(harvest, api, BOB, "/users/v1/{username}") == ["bob"]


def test_holders_of_a_value_are_its_claimants_else_who_saw_it(api: Api, harvest: Harvest) -> None:
    """Order 5 belongs to its creator; order 1, claimed by nobody, to everyone who saw it."""
    harvest.record(ALICE, operation(api, "POST", "/orders"), reply('{"id": 5}'), created=True)
    for who in (ALICE, BOB):
        harvest.record(who, operation(api, "GET", "/orders"), reply('[{"id": 1}, {"id": 5}]'))
    op = operation(api, "GET", "/orders/{order_id}")
    (slot,) = harvest.slots(op)
    assert harvest.holders(op, slot, 5) == {"alice"}
    assert harvest.holders(op, slot, "1") == {"alice", "bob"}


def test_a_numeric_own_id_under_any_name_is_the_key_of_the_own_record(tmp_path: Path) -> None:
    """A session's uid is the holder's account (/accounts/{account_id}), not a transfer."""
    path = tmp_path / "spec.yaml"
    path.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:"
        + _item("/accounts/{account_id}", "account_id", "integer")
        + _item("/transfers/{transfer_id}", "transfer_id", "integer")
    )
    api = load(path)
    harvest = Harvest(Synthesizer(api, url="http://127.0.0.1:9/"))
    harvest.record_own(ALICE, "uid", 3)
    harvest.record_own(BOB, "uid", 4)
    assert _owned(harvest, api, ALICE, "/accounts/{account_id}") == [3]
    assert _owned(harvest, api, BOB, "/accounts/{account_id}") == [4]
    assert _owned(harvest, api, ALICE, "/transfers/{transfer_id}") == []


def test_a_numeric_own_id_is_no_key_where_names_address_the_records(tmp_path: Path) -> None:
    """/users/{username}: a token's numeric uid is not a username, so it fills no slot."""
    path = tmp_path / "spec.yaml"
    path.write_text(
        "openapi: 3.1.0\ninfo: {title: t, version: '1'}\npaths:"
        + _item("/users/{username}", "username")
    )
    api = load(path)
    harvest = Harvest(Synthesizer(api, url="http://127.0.0.1:9/"))
    harvest.record_own(ALICE, "uid", 3)
    assert _owned(harvest, api, ALICE, "/users/{username}") == []
