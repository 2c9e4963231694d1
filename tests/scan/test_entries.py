"""What the ledger counts as deleting an account the scan signed up."""

from __future__ import annotations

from apiward.scan.entries import Created, Sender, deletes
from apiward.scan.request import Request


def _account() -> Created:
    create = Request(method="POST", path="/signup", operation="POST /signup")
    return Created(
        id="17",
        create=create,
        creator=Sender(identity=None),
        delete=None,
        account="apiwardq7x",
        names=frozenset({"apiwardq7x", "apiwardq7x@example.test"}),
    )


def _delete(path: str, **params: str) -> Request:
    return Request(method="DELETE", path=path, operation=f"DELETE {path}", path_params=params)


def test_a_delete_addressed_by_the_account_name_removes_it() -> None:
    assert deletes(_delete("/users/{name}", name="apiwardq7x"), _account())
    assert deletes(_delete("/accounts/{email}/", email="apiwardq7x@example.test"), _account())


def test_a_delete_under_the_account_path_removes_something_of_it_not_the_account() -> None:
    assert not deletes(_delete("/users/{name}/ban", name="apiwardq7x"), _account())
    assert not deletes(_delete("/users/{name}/sessions", name="apiwardq7x"), _account())


def test_a_delete_naming_someone_else_removes_nothing_of_ours() -> None:
    assert not deletes(_delete("/users/{name}", name="alice"), _account())
