"""Raw paths into endpoint templates: value kinds, many-valued names, the contract first."""

from __future__ import annotations

import pytest

from apiward.inventory.cluster import cluster
from apiward.inventory.observation import Observation
from apiward.inventory.segments import value_kind
from apiward.inventory.templates import ContractRoutes, infer
from apiward.spec import Api


@pytest.mark.parametrize(
    ("segment", "kind"),
    [
        ("42", "id"),
        ("3f2b8c1e-9d4a-4b7e-8c2f-1a2b3c4d5e6f", "uuid"),
        ("d41d8cd98f00b204e9800998ecf8427e", "hash"),
        ("da39a3ee5e6b4b0d3255bfef95601890afd80709", "hash"),
        ("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "hash"),
        ("2026-11-29", "date"),
        ("01ARZ3NDEKTSV4RRFFQ69G5FAV", "ulid"),
        ("alice@example.org", "email"),
        ("dGhpcyBpcyBhIHRva2VuIQ", "token"),
        ("orders", None),
        ("spring-sale-2026", None),
        ("2026-13-45", None),
        ("v2", None),
        ("backup.zip", None),
    ],
    ids=lambda v: str(v)[:20],
)
def test_value_segments_are_recognised_and_names_are_not(segment: str, kind: str | None) -> None:
    """Ids, UUIDs, hashes, dates, ULIDs, emails and tokens are values; words and slugs are not."""
    assert value_kind(segment) == kind


def test_numeric_ids_become_placeholders() -> None:
    """/users/42/orders/7 and /users/43/orders/9 are one template."""
    templates = infer(["/users/42/orders/7", "/users/43/orders/9"])
    assert set(templates.values()) == {"/users/{id}/orders/{id}"}


def test_many_names_with_the_same_continuation_become_one_parameter() -> None:
    """Ten usernames each followed by /orders are values of one {name} parameter."""
    names = [f"user{chr(97 + i)}x" for i in range(10)]
    templates = infer([f"/users/{n}/orders" for n in names] + ["/users/search"])
    assert templates[f"/users/{names[0]}/orders"] == "/users/{name}/orders"
    assert templates["/users/search"] == "/users/search"


def test_few_names_stay_literal() -> None:
    """Three usernames are not enough to tell values from names: they stay as they are."""
    templates = infer(["/users/alice", "/users/bob", "/users/carol"])
    assert templates["/users/alice"] == "/users/alice"


def test_collections_under_a_version_are_never_merged() -> None:
    """Ten leaf collections under /api/v2 stay ten endpoints, however alike they look."""
    words = ["users", "orders", "cards", "me", "rates", "promos", "admin", "debug", "files", "tags"]
    templates = infer([f"/api/v2/{w}" for w in words], many=3)
    assert templates["/api/v2/orders"] == "/api/v2/orders"


def test_names_with_different_continuations_are_not_merged() -> None:
    """Children whose subpaths differ are collections, not values of one parameter."""
    paths = [f"/shop/{w}/{i}" for i, w in enumerate("abcdefghij")] + ["/shop/k"]
    templates = infer([f"/shop/{w}/x{i}" for i, w in enumerate("abcdefghij")], many=3)
    assert templates["/shop/a/x0"] == "/shop/a/x0"
    assert infer(paths, many=3)["/shop/a/0"] == "/shop/{name}/{id}"


def test_contract_templates_win_and_the_most_literal_one_first(contract: Api) -> None:
    """A documented path keeps the contract's name; /users/search beats /users/{user_id}."""
    routes = ContractRoutes(contract)
    assert routes.match("/api/v2/users/42") == "/v2/users/{user_id}"
    assert routes.match("/api/v2/users/search") == "/v2/users/search"
    assert routes.match("/v2/users/alice") == "/v2/users/{user_id}"
    assert routes.match("/api/v2/users/42/avatar") is None


def test_cluster_counts_usage_per_method(contract: Api) -> None:
    """Calls, statuses, clients, first and last seen are kept per method of a template."""
    seen = [
        Observation(method="GET", path=f"/api/v2/users/{i}", status=200, client=f"10.0.0.{i % 2}")
        for i in range(5)
    ] + [Observation(method="DELETE", path="/api/v2/users/9", status=204)]
    [endpoint] = cluster(seen, contract)
    delete, get = endpoint.usages
    assert (endpoint.path, endpoint.documented) == ("/v2/users/{user_id}", True)
    assert (get.calls, dict(get.statuses), get.clients, get.documented) == (5, {200: 5}, 2, True)
    assert (delete.method, delete.documented) == ("DELETE", False)


def test_guard_route_is_trusted_when_the_contract_has_it(contract: Api) -> None:
    """An audit event's matched route is used as is, even where the path alone would differ."""
    seen = [Observation(method="GET", path="/internal/7", route="/v2/users/{user_id}")]
    assert cluster(seen, contract)[0].path == "/v2/users/{user_id}"
