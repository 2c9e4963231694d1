"""short_secret where the API takes HTTP basic: the guesses go to a user the scan signed up.

A kiosk service in Falcon: every request carries ``Authorization: Basic`` (no login
operation, no token), anyone may open an account with ``POST /accounts``, and each
account unlocks its kiosk profile with a 4-digit PIN (``POST /me/unlock``). The careless
build never locks; its twin locks an account after five wrong PINs. The identities file
has carol only, as HTTP basic: no wrong PIN may ever be sent as her.
"""

from __future__ import annotations

import asyncio
import base64
import itertools
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import falcon
import pytest

from apiward.core.findings import Confidence
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.checks import builtin_checks
from apiward.scan.identities import Basic
from apiward.spec import load

ACCOUNT = {
    "type": "object",
    "required": ["login", "password", "pin"],
    "properties": {
        "login": {"type": "string", "maxLength": 40},
        "password": {"type": "string", "format": "password", "maxLength": 64},
        "pin": {"type": "string", "pattern": "^[0-9]{4}$"},
    },
}
UNLOCK = {
    "type": "object",
    "required": ["pin"],
    "properties": {"pin": {"type": "string", "pattern": "^[0-9]{4}$"}},
}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


OK = {"200": {"description": "done", "content": {"application/json": {"schema": {}}}}}
CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "kiosk", "version": "2"},
    "security": [{"basic": []}],
    "components": {"securitySchemes": {"basic": {"type": "http", "scheme": "basic"}}},
    "paths": {
        "/accounts": {
            "post": {"security": [], "requestBody": _json(ACCOUNT), "responses": OK},
        },
        "/me": {"get": {"responses": OK}},
        "/me/unlock": {
            "post": {
                "summary": "Unlock the kiosk profile",
                "requestBody": _json(UNLOCK),
                "responses": OK,
            }
        },
    },
}


class Kiosk:
    """Accounts with PINs, and every wrong PIN per account."""

    def __init__(self, *, locks: bool) -> None:
        self.locks = locks
        self.users = {"carol": {"password": "carol-pw-91", "pin": "4821"}}
        self.wrong: Counter[str] = Counter()
        self.serial = itertools.count(1)

    def caller(self, req: falcon.Request) -> str:
        """The account the basic credentials name, or 401."""
        header = req.get_header("Authorization") or ""
        try:
            login, password = base64.b64decode(header.removeprefix("Basic ")).decode().split(":", 1)
        except ValueError:
            raise falcon.HTTPUnauthorized() from None
        if self.users.get(login, {}).get("password") != password:
            raise falcon.HTTPUnauthorized()
        return login

    def app(self) -> falcon.App:
        """The service as a WSGI app."""
        kiosk = self

        class Contract:
            def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
                resp.media = CONTRACT

        class Accounts:
            def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
                body = req.get_media()
                login = str(body.get("login", ""))
                if not login or login in kiosk.users:
                    raise falcon.HTTPConflict(title="taken")
                kiosk.users[login] = {"password": str(body["password"]), "pin": str(body["pin"])}
                resp.status = falcon.HTTP_201
                resp.media = {"account": next(kiosk.serial), "login": login}

        class Me:
            def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
                resp.media = {"login": kiosk.caller(req)}

        class Unlock:
            def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
                me = kiosk.caller(req)
                if kiosk.locks and kiosk.wrong[me] >= 5:
                    raise falcon.HTTPError(falcon.HTTP_423, title="locked")
                if str(req.get_media().get("pin")) != kiosk.users[me]["pin"]:
                    kiosk.wrong[me] += 1
                    resp.media = {"unlocked": False}
                    return
                resp.media = {"unlocked": True}

        app = falcon.App()
        app.add_route("/openapi.json", Contract())
        app.add_route("/accounts", Accounts())
        app.add_route("/me", Me())
        app.add_route("/me/unlock", Unlock())
        return app


def _scan(kiosk: Kiosk, serve: Callable[..., Any]) -> Results:
    carol = Identity(name="carol", basic=Basic(username="carol", password="carol-pw-91"))
    server = serve(kiosk.app(), wsgi=True)
    api = load(f"{server.url}/openapi.json", allow_private=True)
    config = ScanConfig(target=server.url, identities=(carol,), checks=("short_secret",))
    return asyncio.run(scan(api, config, builtin_checks()))


@pytest.mark.parametrize("locks", [False, True], ids=["never-locks", "locks"])
def test_pins_are_guessed_as_a_user_the_scan_signed_up_never_as_carol(
    serve: Callable[..., Any], locks: bool
) -> None:
    """The careless kiosk is found, the locking one is not; carol gets no wrong PIN."""
    kiosk = Kiosk(locks=locks)
    results = _scan(kiosk, serve)
    found = [f for f in results.findings if f.operation == "POST /me/unlock"]
    assert kiosk.wrong["carol"] == 0
    assert [u for u in kiosk.wrong if u != "carol"], json.dumps([s.reason for s in results.skipped])
    assert (found == []) is locks, results.skipped
    # The right PIN is the one the scan's sign-up sent: never guessed by chance among the
    # wrong ones (a careless kiosk once looked locked), and accepted after them.
    assert all(f.confidence is Confidence.CONFIRMED for f in found), [f.detail for f in found]
