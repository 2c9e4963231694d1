"""Context.send's gate: destructive and out-of-scope requests are refused before they leave."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from apiward.scan.canary import Canary
from apiward.scan.context import Context
from apiward.scan.destructive import Destructive
from apiward.scan.harvest import Harvest
from apiward.scan.ledger import Ledger
from apiward.scan.request import Request
from apiward.scan.scope import OutOfScope, Scope
from apiward.scan.sessions import Sessions
from apiward.scan.synthesis import Synthesizer
from apiward.scan.transport import Transport
from apiward.spec import Api, Operation

OPS = (
    Operation(method="GET", path="/createdb"),
    Operation(method="GET", path="/users", operation_id="listUsers", tags=("users",)),
    Operation(method="DELETE", path="/users/{id}"),
    Operation(method="GET", path="/reports/export", tags=("reports",)),
)
API = Api(title="t", version="1", spec_version="3.1.0", source="test", operations=OPS)


class _Made(Context):
    """A context whose scan created the object with id 7 (of the path it is asked about)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.ledger = _MadeLedger(self.api, self.sessions)


class _MadeLedger(Ledger):
    def made_at(self, request: Request, name: str) -> bool:
        return request.path_params.get(name) == "7"


def _context(
    *, safe: bool = False, scope: Scope | None = None, kind: type[Context] = Context
) -> Context:
    synthesizer = Synthesizer(API, url="http://127.0.0.1:9/canary")
    return kind(
        api=API,
        sessions=Sessions(Transport("http://127.0.0.1:9"), ()),
        synthesizer=synthesizer,
        harvest=Harvest(synthesizer),
        canary=Canary(),
        safe=safe,
        scope=scope,
    )


def _request(key: str, **ids: str) -> Request:
    method, path = key.split(" ", 1)
    return Request(method=method, path=path, operation=key, path_params=ids)


def test_a_destructive_get_is_refused_with_its_reason() -> None:
    """GET /createdb is refused, and the refusal says why it is destructive."""
    with pytest.raises(Destructive, match=r"create \+ db.*sent only on objects the scan created"):
        _context().refuse(_request("GET /createdb"))


def test_a_delete_on_an_object_the_scan_did_not_create_is_refused() -> None:
    """DELETE on an id the scan did not create is refused; on one it created, it goes out."""
    with pytest.raises(Destructive):
        _context(kind=_Made).refuse(_request("DELETE /users/{id}", id="1"))
    _context(kind=_Made).refuse(_request("DELETE /users/{id}", id="7"))


def test_under_safe_destructive_requests_are_never_sent() -> None:
    """Under --safe even the scan's own object is not deleted."""
    with pytest.raises(Destructive, match="never sent under --safe"):
        _context(safe=True, kind=_Made).refuse(_request("DELETE /users/{id}", id="7"))


def test_a_method_swapped_or_undocumented_destructive_request_is_refused() -> None:
    """A DELETE sent under a GET's name, or a guessed /admin/reset, is judged by itself."""
    swapped = dataclasses.replace(_request("GET /users"), method="DELETE")
    with pytest.raises(Destructive):
        _context().refuse(swapped)
    with pytest.raises(Destructive):
        _context().refuse(Request(method="GET", path="/admin/reset"))


def test_out_of_scope_requests_are_refused() -> None:
    """An excluded operation, or a path an exclude route matches, is never sent."""
    ctx = _context(scope=Scope(exclude=("tag:reports", "/internal/*")))
    with pytest.raises(OutOfScope, match="tag:reports"):
        ctx.refuse(_request("GET /reports/export"))
    with pytest.raises(OutOfScope):
        ctx.refuse(Request(method="GET", path="/internal/debug"))
    ctx.refuse(_request("GET /users"))


def test_probes_are_in_scope_and_not_destructive() -> None:
    """ctx.probes, where checks pick reads to replay or burst, holds no destructive or excluded operation."""
    ctx = _context(scope=Scope(exclude=("tag:reports",)))
    assert [op.key for op in ctx.probes] == ["GET /users"]
