"""An allotment-garden API in Falcon (ASGI) that speaks JSON:API, strictly, both ways.

Every body in and out is a JSON:API document under ``application/vnd.api+json``::

    POST /harvests
    {"data": {"type": "harvests", "attributes": {"crop": "kale", "weight_kg": 1.5},
              "relationships": {"plot": {"data": {"type": "plots", "id": "2"}}}}}

As the specification says a server must: a body under another media type is refused 415,
a ``type`` that is not the collection's or an update whose ``data.id`` is not the path's
is refused 409; errors are ``{"errors": [{"status": "404", "title": ...}]}``; ids are
strings; the owner is a relationship, not an attribute. Log in by OAuth2's password grant
(``POST /auth/token``, a form); sign up by ``POST /gardeners``. Falcon's own 404 answers
unknown paths.

Seeded: ada (admin), alice and bob (gardeners), a plot each, one harvest of alice's, one
feed of bob's. ``flawed=True`` plants four flaws, every one behind the document's shape:

* ``GET``/``PATCH /plots/{id}`` read and rewrite any gardener's plot (BOLA);
* ``POST /harvests`` logs a harvest on a plot named in ``relationships.plot`` without
  asking whose it is (BOLA through a relationship);
* ``POST /gardeners`` takes ``attributes.role`` (mass assignment at sign-up);
* ``POST /feeds`` fetches ``attributes.url`` to check it (SSRF; loopback only, so the
  test never leaves the machine).

Every object the scan can make it can delete, accounts included. :meth:`Plots.changed`
lists what differs from the seed.
"""

from __future__ import annotations

import copy
import itertools
import json
import secrets
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import parse_qs, urlsplit

import falcon
import falcon.asgi

MEDIA = "application/vnd.api+json"
GARDENERS: dict[str, dict[str, Any]] = {
    "1": {"name": "Ada", "email": "ada@plots.test", "role": "admin"},
    "2": {"name": "Alice", "email": "alice@plots.test", "role": "gardener"},
    "3": {"name": "Bob", "email": "bob@plots.test", "role": "gardener"},
}
PASSWORDS = {"1": "ada-admin-pw", "2": "alice-pw-22", "3": "bob-pw-333"}
PLOTS: dict[str, dict[str, Any]] = {
    "1": {"gardener": "1", "name": "Herb spiral", "size_m2": 12, "notes": "by the gate"},
    "2": {"gardener": "2", "name": "North bed", "size_m2": 40, "notes": "brassicas"},
    "3": {"gardener": "3", "name": "Pond side", "size_m2": 25, "notes": "rhubarb"},
}
HARVESTS: dict[str, dict[str, Any]] = {
    "1": {
        "plot": "2",
        "gardener": "2",
        "crop": "kale",
        "weight_kg": 2.5,
        "picked_on": "2026-10-01",
    },
}
FEEDS: dict[str, dict[str, Any]] = {
    "1": {"gardener": "3", "label": "frost alerts", "url": "https://weather.example.com/frost"},
}
FIELDS = {
    "gardeners": ("name", "email", "role"),
    "plots": ("name", "size_m2", "notes"),
    "harvests": ("crop", "weight_kg", "picked_on"),
    "feeds": ("label", "url"),
}
OWNER = {"plots": "gardener", "harvests": "gardener", "feeds": "gardener"}


class RefusedError(Exception):
    def __init__(self, status: int, title: str) -> None:
        super().__init__(title)
        self.status, self.title = status, title


class Plots:
    """The API's state and its Falcon app; ``flawed`` plants the four flaws."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed
        self.tables = {
            "gardeners": copy.deepcopy(GARDENERS),
            "plots": copy.deepcopy(PLOTS),
            "harvests": copy.deepcopy(HARVESTS),
            "feeds": copy.deepcopy(FEEDS),
        }
        self.passwords = dict(PASSWORDS)
        self.tokens: dict[str, str] = {}
        self.fetched: list[str] = []
        self._ids = itertools.count(100)

    def changed(self) -> list[str]:
        """Seeded rows changed or removed, and rows left behind."""
        seed = {"gardeners": GARDENERS, "plots": PLOTS, "harvests": HARVESTS, "feeds": FEEDS}
        out = []
        for table, rows in seed.items():
            now = self.tables[table]
            out += [f"{table}/{k} changed" for k in rows if k in now and now[k] != rows[k]]
            out += [f"{table}/{k} removed" for k in rows if k not in now]
            out += [f"{table}/{k} left" for k in now if k not in rows]
        return out

    def app(self) -> falcon.asgi.App:
        """The Falcon ASGI app."""
        app = falcon.asgi.App()
        app.add_route("/openapi.json", _Contract())
        app.add_route("/auth/token", _Token(self))
        app.add_route("/gardeners", _Collection(self, "gardeners"))
        app.add_route("/gardeners/me", _Me(self))
        for kind in ("gardeners", "plots", "harvests", "feeds"):
            if kind != "gardeners":
                app.add_route(f"/{kind}", _Collection(self, kind))
            app.add_route(f"/{kind}/{{id}}", _Item(self, kind))
        return app

    # -- the rules -------------------------------------------------------------------------

    def caller(self, req: falcon.asgi.Request) -> str:
        header = req.get_header("Authorization") or ""
        who = self.tokens.get(header.removeprefix("Bearer ").strip())
        if not who or who not in self.tables["gardeners"]:
            raise RefusedError(401, "Unauthorized")
        return who

    def admin(self, who: str) -> bool:
        return self.tables["gardeners"][who]["role"] == "admin"

    def visible(self, kind: str, row: dict[str, Any], who: str, *, writing: bool) -> bool:
        if self.admin(who):
            return True
        if kind == "gardeners":
            return row is self.tables["gardeners"].get(who)
        if kind == "plots" and self.flawed:
            return True  # BOLA: any plot, read and written
        return bool(row.get(OWNER[kind]) == who)

    def create(
        self, kind: str, data: dict[str, Any], who: str | None
    ) -> tuple[str, dict[str, Any]]:
        attributes = data.get("attributes") or {}
        row = {f: attributes[f] for f in FIELDS[kind] if f in attributes and f != "role"}
        if kind == "gardeners":
            if not {"name", "email", "password"} <= set(attributes):
                raise RefusedError(422, "name, email and password are required")
            row["role"] = attributes.get("role", "gardener") if self.flawed else "gardener"
        else:
            assert who is not None
            row[OWNER[kind]] = who
        if kind == "harvests":
            plot = ((data.get("relationships") or {}).get("plot") or {}).get("data") or {}
            found = self.tables["plots"].get(str(plot.get("id")))
            if found is None:
                raise RefusedError(422, "relationships.plot names no plot")
            if found["gardener"] != who and not self.flawed:
                raise RefusedError(403, "Forbidden")
            row["plot"] = str(plot["id"])
        if kind == "feeds":
            url = str(row.get("url", ""))
            if not url.startswith(("http://", "https://")):
                raise RefusedError(422, "url must be http(s)")
            if self.flawed:
                self._fetch(url)
        key = str(next(self._ids))
        if kind == "gardeners":
            self.passwords[key] = str(attributes["password"])
        self.tables[kind][key] = row
        return key, row

    def _fetch(self, url: str) -> None:
        """The flawed feed check: fetch the URL. Only loopback is ever fetched, by design of the test."""
        if urlsplit(url).hostname not in {"127.0.0.1", "localhost", "::1"}:
            return
        self.fetched.append(url)
        try:
            with urllib.request.urlopen(url, timeout=3) as answer:
                answer.read(1024)
        except urllib.error.HTTPError as refused:
            refused.close()  # it holds the connection: left to the collector, a ResourceWarning
        except OSError:
            pass


def resource(kind: str, key: str, row: dict[str, Any]) -> dict[str, Any]:
    """One row as a JSON:API resource object."""
    out: dict[str, Any] = {
        "type": kind,
        "id": key,
        "attributes": {f: row.get(f) for f in FIELDS[kind]},
        "links": {"self": f"/{kind}/{key}"},
    }
    relations = {"plots": ["gardener"], "harvests": ["plot", "gardener"], "feeds": ["gardener"]}
    related = {"gardener": "gardeners", "plot": "plots"}
    if kind in relations:
        out["relationships"] = {
            name: {"data": {"type": related[name], "id": row[name]}} for name in relations[kind]
        }
    return out


def _answer(resp: falcon.asgi.Response, status: int, document: dict[str, Any] | None) -> None:
    resp.status = status
    resp.content_type = MEDIA
    if document is not None:
        resp.text = json.dumps(document)


def _error(resp: falcon.asgi.Response, refused: RefusedError) -> None:
    _answer(
        resp, refused.status, {"errors": [{"status": str(refused.status), "title": refused.title}]}
    )


async def _document(req: falcon.asgi.Request, kind: str, key: str | None = None) -> dict[str, Any]:
    """The request's ``data``, refused as JSON:API says when it is not a document of ``kind``."""
    if (req.content_type or "").split(";")[0].strip() != MEDIA:
        raise RefusedError(415, f"Content-Type must be {MEDIA}")
    try:
        body = json.loads(await req.stream.read() or b"null")
    except ValueError:
        raise RefusedError(400, "the body is not JSON") from None
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict):
        raise RefusedError(400, "a document's primary data is required")
    if data.get("type") != kind:
        raise RefusedError(409, f"type must be {kind}")
    if key is not None and data.get("id") != key:
        raise RefusedError(409, "data.id must be the id in the path")
    return data


class _Contract:
    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        resp.media = contract()


class _Token:
    def __init__(self, api: Plots) -> None:
        self.api = api

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        form = {k: v[0] for k, v in parse_qs((await req.stream.read()).decode()).items()}
        users = self.api.tables["gardeners"]
        who = next((k for k, u in users.items() if u["email"] == form.get("username")), None)
        if (
            form.get("grant_type") != "password"
            or who is None
            or self.api.passwords.get(who) != form.get("password")
        ):
            resp.status, resp.media = 400, {"error": "invalid_grant"}
            return
        token = secrets.token_urlsafe(16)
        self.api.tokens[token] = who
        resp.media = {"access_token": token, "token_type": "bearer", "expires_in": 3600}


class _Me:
    def __init__(self, api: Plots) -> None:
        self.api = api

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        try:
            who = self.api.caller(req)
        except RefusedError as refused:
            _error(resp, refused)
            return
        _answer(resp, 200, {"data": resource("gardeners", who, self.api.tables["gardeners"][who])})


class _Collection:
    def __init__(self, api: Plots, kind: str) -> None:
        self.api, self.kind = api, kind

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        try:
            who = self.api.caller(req)
        except RefusedError as refused:
            _error(resp, refused)
            return
        rows = self.api.tables[self.kind].items()
        shown = [
            resource(self.kind, k, r)
            for k, r in rows
            if self.api.admin(who) or r.get(OWNER.get(self.kind, "")) == who
        ]
        _answer(resp, 200, {"data": shown, "meta": {"count": len(shown)}})

    async def on_post(self, req: falcon.asgi.Request, resp: falcon.asgi.Response) -> None:
        try:
            who = None if self.kind == "gardeners" else self.api.caller(req)
            key, row = self.api.create(self.kind, await _document(req, self.kind), who)
        except RefusedError as refused:
            _error(resp, refused)
            return
        resp.set_header("Location", f"/{self.kind}/{key}")
        _answer(resp, 201, {"data": resource(self.kind, key, row)})


class _Item:
    def __init__(self, api: Plots, kind: str) -> None:
        self.api, self.kind = api, kind

    def _row(
        self, req: falcon.asgi.Request, key: str, *, writing: bool
    ) -> tuple[str, dict[str, Any]]:
        who = self.api.caller(req)
        row = self.api.tables[self.kind].get(key)
        if row is None or not self.api.visible(self.kind, row, who, writing=writing):
            raise RefusedError(404, "Not Found")
        return who, row

    async def on_get(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, id: str) -> None:
        try:
            _, row = self._row(req, id, writing=False)
        except RefusedError as refused:
            _error(resp, refused)
            return
        _answer(resp, 200, {"data": resource(self.kind, id, row)})

    async def on_patch(self, req: falcon.asgi.Request, resp: falcon.asgi.Response, id: str) -> None:
        if self.kind != "plots":
            _error(resp, RefusedError(405, "Method Not Allowed"))
            return
        try:
            _, row = self._row(req, id, writing=True)
            attributes = (await _document(req, self.kind, id)).get("attributes") or {}
        except RefusedError as refused:
            _error(resp, refused)
            return
        row.update({f: attributes[f] for f in FIELDS["plots"] if f in attributes})
        _answer(resp, 200, {"data": resource(self.kind, id, row)})

    async def on_delete(
        self, req: falcon.asgi.Request, resp: falcon.asgi.Response, id: str
    ) -> None:
        try:
            self._row(req, id, writing=True)
        except RefusedError as refused:
            _error(resp, refused)
            return
        del self.api.tables[self.kind][id]
        resp.status = 204


def _ref(name: str) -> dict[str, Any]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required or []}


def _identifier(kind: str) -> dict[str, Any]:
    return _object(
        {
            "data": _object(
                {"type": {"type": "string", "enum": [kind]}, "id": {"type": "string"}},
                ["type", "id"],
            )
        }
    )


def _resource(
    kind: str,
    attributes: dict[str, Any],
    relationships: dict[str, Any] | None = None,
    required: list[str] | None = None,
) -> dict[str, Any]:
    members: dict[str, Any] = {
        "type": {"type": "string", "enum": [kind]},
        "id": {"type": "string", "readOnly": True},
        "attributes": _object(attributes, required),
    }
    if relationships:
        members["relationships"] = _object(relationships, list(relationships))
    return _object(members, ["type"])


SCHEMAS: dict[str, Any] = {
    "Gardener": _resource(
        "gardeners",
        {
            "name": {"type": "string"},
            "email": {"type": "string", "format": "email"},
            "role": {"type": "string", "readOnly": True},
        },
    ),
    "SignUp": _resource(
        "gardeners",
        {
            "name": {"type": "string"},
            "email": {"type": "string", "format": "email"},
            "password": {"type": "string", "format": "password", "minLength": 8},
        },
        required=["name", "email", "password"],
    ),
    "Plot": _resource(
        "plots",
        {
            "name": {"type": "string"},
            "size_m2": {"type": "integer", "minimum": 1, "maximum": 500},
            "notes": {"type": "string"},
        },
        {"gardener": _identifier("gardeners")},
    ),
    "PlotInput": _resource(
        "plots",
        {
            "name": {"type": "string"},
            "size_m2": {"type": "integer", "minimum": 1, "maximum": 500},
            "notes": {"type": "string"},
        },
        required=["name"],
    ),
    "Harvest": _resource(
        "harvests",
        {
            "crop": {"type": "string"},
            "weight_kg": {"type": "number", "minimum": 0},
            "picked_on": {"type": "string", "format": "date"},
        },
        {"plot": _identifier("plots"), "gardener": _identifier("gardeners")},
    ),
    "HarvestInput": _resource(
        "harvests",
        {
            "crop": {"type": "string"},
            "weight_kg": {"type": "number", "minimum": 0},
            "picked_on": {"type": "string", "format": "date"},
        },
        {"plot": _identifier("plots")},
        ["crop"],
    ),
    "Feed": _resource(
        "feeds",
        {"label": {"type": "string"}, "url": {"type": "string", "format": "uri"}},
        {"gardener": _identifier("gardeners")},
    ),
    "FeedInput": _resource(
        "feeds",
        {"label": {"type": "string"}, "url": {"type": "string", "format": "uri"}},
        required=["url"],
    ),
}


def _document_schema(name: str, *, many: bool = False) -> dict[str, Any]:
    data = {"type": "array", "items": _ref(name)} if many else _ref(name)
    return {
        "content": {
            MEDIA: {"schema": _object({"data": data, "meta": {"type": "object"}}, ["data"])}
        }
    }


def _answers(code: str, name: str | None = None, *, many: bool = False) -> dict[str, Any]:
    ok = {"description": "ok", **(_document_schema(name, many=many) if name else {})}
    errors = {"description": "errors", "content": {MEDIA: {"schema": {"type": "object"}}}}
    return {code: ok, "401": errors, "404": errors, "409": errors, "415": errors}


def _body(name: str) -> dict[str, Any]:
    return {"required": True, **_document_schema(name)}


ID = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]


def contract() -> dict[str, Any]:
    """The API's OpenAPI 3.0 contract, every body a JSON:API document."""
    paths: dict[str, Any] = {
        "/auth/token": {
            "post": {
                "summary": "OAuth2 password grant",
                "security": [],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/x-www-form-urlencoded": {
                            "schema": _object(
                                {
                                    "grant_type": {"type": "string", "enum": ["password"]},
                                    "username": {"type": "string"},
                                    "password": {"type": "string", "format": "password"},
                                },
                                ["grant_type", "username", "password"],
                            )
                        }
                    },
                },
                "responses": {
                    "200": {
                        "description": "a token",
                        "content": {
                            "application/json": {
                                "schema": _object({"access_token": {"type": "string"}})
                            }
                        },
                    },
                    "400": {"description": "invalid_grant"},
                },
            }
        },
        "/gardeners": {
            "post": {
                "summary": "Sign up as a gardener",
                "security": [],
                "requestBody": _body("SignUp"),
                "responses": _answers("201", "Gardener"),
            },
        },
        "/gardeners/me": {
            "get": {"summary": "Your own account", "responses": _answers("200", "Gardener")}
        },
        "/gardeners/{id}": {
            "parameters": ID,
            "get": {
                "summary": "Your own account (admins: any)",
                "responses": _answers("200", "Gardener"),
            },
            "delete": {"summary": "Close your account (admins: any)", "responses": _answers("204")},
        },
        "/plots": {
            "get": {"summary": "Your plots", "responses": _answers("200", "Plot", many=True)},
            "post": {
                "summary": "Take on a plot",
                "requestBody": _body("PlotInput"),
                "responses": _answers("201", "Plot"),
            },
        },
        "/plots/{id}": {
            "parameters": ID,
            "get": {"summary": "One of your plots", "responses": _answers("200", "Plot")},
            "patch": {
                "summary": "Rename or resize one of your plots",
                "requestBody": _body("PlotInput"),
                "responses": _answers("200", "Plot"),
            },
            "delete": {"summary": "Give up one of your plots", "responses": _answers("204")},
        },
        "/harvests": {
            "get": {"summary": "Your harvests", "responses": _answers("200", "Harvest", many=True)},
            "post": {
                "summary": "Log a harvest from one of your plots",
                "requestBody": _body("HarvestInput"),
                "responses": _answers("201", "Harvest"),
            },
        },
        "/harvests/{id}": {
            "parameters": ID,
            "get": {"summary": "One of your harvests", "responses": _answers("200", "Harvest")},
            "delete": {"summary": "Remove one of your harvests", "responses": _answers("204")},
        },
        "/feeds": {
            "get": {"summary": "Your feeds", "responses": _answers("200", "Feed", many=True)},
            "post": {
                "summary": "Subscribe to a weather feed (its URL is checked)",
                "requestBody": _body("FeedInput"),
                "responses": _answers("201", "Feed"),
            },
        },
        "/feeds/{id}": {
            "parameters": ID,
            "get": {"summary": "One of your feeds", "responses": _answers("200", "Feed")},
            "delete": {"summary": "Unsubscribe", "responses": _answers("204")},
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "allotments", "version": "1"},
        "security": [{"oauth": []}],
        "components": {
            "securitySchemes": {
                "oauth": {
                    "type": "oauth2",
                    "flows": {"password": {"tokenUrl": "/auth/token", "scopes": {}}},
                }
            },
            "schemas": SCHEMAS,
        },
        "paths": paths,
    }
