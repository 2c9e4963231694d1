"""Restore: records of different tables that share an id are each put back as they were.

A multi-tenant books app in Falcon: an organisation (``/orgs/{slug}``, id 1), its first
customer (``/orgs/{slug}/customers/{customer_id}``, id 1 too) and the caller's own
profile (``/me``, user 1). All three have a ``name``. A probe renames the organisation
(or the caller), then another write touches the customer: the customer's snapshot must
not take the organisation's name for its own, or the restore phase writes "Acme Corp"
over the customer and reports it restored.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import falcon
from test_ledger import Writes

from apiward.core.registry import Registry
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.check import AnyCheck
from apiward.scan.identities import Login
from apiward.scan.request import BodyKind, Request
from apiward.spec import load
from serving import serving

SEED: dict[str, dict[str, Any]] = {
    "org": {"id": 1, "slug": "acme", "name": "Acme Corp", "plan": "pro"},
    "customer": {"id": 1, "name": "Wayne Enterprises", "email": "ap@wayne.test"},
    "me": {"id": 1, "name": "Alice Archer", "email": "alice@acme.test"},
}
OBJECT = {"application/json": {"schema": {"type": "object"}}}
SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
CUSTOMER_ID = {"name": "customer_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _item(*parameters: dict[str, Any]) -> dict[str, Any]:
    ok = {"200": {"description": "it", "content": OBJECT}}
    return {
        "parameters": list(parameters),
        "get": {"responses": ok},
        "patch": {"requestBody": {"content": OBJECT}, "responses": ok},
    }


CONTRACT = {
    "openapi": "3.0.3",
    "info": {"title": "books", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/login": {"post": {"security": [], "responses": {"200": {"description": "token"}}}},
        "/me": _item(),
        "/orgs/{slug}": _item(SLUG),
        "/orgs/{slug}/customers/{customer_id}": _item(SLUG, CUSTOMER_ID),
    },
}


class _Record:
    def __init__(self, store: dict[str, dict[str, Any]], key: str) -> None:
        self.store, self.key = store, key

    def _row(self, req: falcon.Request, **params: Any) -> dict[str, Any]:
        if req.get_header("Authorization") != "Bearer tk-alice":
            raise falcon.HTTPUnauthorized()
        row = self.store[self.key]
        if params.get("slug", "acme") != "acme" or int(params.get("customer_id", 1)) != 1:
            raise falcon.HTTPNotFound()
        return row

    def on_get(self, req: falcon.Request, resp: falcon.Response, **params: Any) -> None:
        resp.media = self._row(req, **params)

    def on_patch(self, req: falcon.Request, resp: falcon.Response, **params: Any) -> None:
        row = self._row(req, **params)
        body = req.get_media(default_when_empty={})
        row.update({k: v for k, v in body.items() if k in row and k not in {"id", "slug"}})
        resp.media = row


class _Contract:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.text = json.dumps(CONTRACT)


class _Login:
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = {"token": "tk-alice"}


def books(store: dict[str, dict[str, Any]]) -> falcon.App:
    """The app over ``store``: one token, alice's, who may read and edit all three."""
    app = falcon.App()
    app.add_route("/openapi.json", _Contract())
    app.add_route("/login", _Login())
    app.add_route("/me", _Record(store, "me"))
    app.add_route("/orgs/{slug}", _Record(store, "org"))
    app.add_route("/orgs/{slug}/customers/{customer_id}", _Record(store, "customer"))
    return app


def _patch(template: str, body: dict[str, Any], **params: str) -> Request:
    return Request(
        method="PATCH",
        path=template,
        operation=f"PATCH {template}",
        path_params=params,
        body=body,
        body_kind=BodyKind.JSON,
    )


def _scan(store: dict[str, dict[str, Any]], *writes: Request) -> Results:
    alice = Identity(
        name="alice", login=Login(method="POST", path="/login", body={}, token="token")
    )
    with serving(books(store), wsgi=True) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        check = Writes(*(("alice", write) for write in writes))
        config = ScanConfig(target=url, identities=(alice,))
        return asyncio.run(scan(api, config, Registry[AnyCheck]("check", [(check.id, check)])))


def _seeded() -> dict[str, dict[str, Any]]:
    return {k: dict(v) for k, v in SEED.items()}


CUSTOMER_EDIT = _patch(
    "/orgs/{slug}/customers/{customer_id}",
    {"email": "probe@example.test"},
    slug="acme",
    customer_id="1",
)


def test_an_organisation_and_its_customer_with_the_same_id_are_two_records() -> None:
    store = _seeded()
    results = _scan(
        store, _patch("/orgs/{slug}", {"name": "Probe Org"}, slug="acme"), CUSTOMER_EDIT
    )
    assert store == SEED
    assert not results.damaged, [c for c in results.target_state if c.damage]


def test_the_callers_profile_and_a_customer_with_the_same_id_are_two_records() -> None:
    store = _seeded()
    results = _scan(store, _patch("/me", {"name": "Probe Person"}), CUSTOMER_EDIT)
    assert store == SEED
    assert not results.damaged, [c for c in results.target_state if c.damage]
