"""Issue numbers that restart in every project, and projects their owner may make public.

An issue tracker in Falcon (WSGI), shaped like the Litestar trial's help desk and like
Jira or GitHub: ``/projects/{key}/issues/{number}`` where every project has an issue 1,
2, 3; a project is ``public`` (its default, listed first) or ``private``, and anyone may
read and comment on a public project's issues. Two things once made BOLA findings out of
design: the scan made its projects public (the default), then called a peer reading them
BOLA; and it commented on the attacker's own issue 3 "as the owner's issue 3", having
kept the attacker's project in the path. Now what the scan makes is private, an answer
that says ``visibility: public`` proves nothing, and an id under the attacker's own
parents is first read under both: another object there, no probe.

The fixed twin gives no finding of medium or above, whether each user has a private
project seeded or only the public one is (so that every private project is one the scan
made); the flawed one, which forgot the project check on ``GET
/projects/{key}/issues/{number}``, is found out. All are left as found.
"""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path
from typing import Any

import falcon
import pytest
from tests.conftest import scan_with_identities

from serving import serving

TOKENS = {"Bearer tk-alice-51": "alice", "Bearer tk-bob-77": "bob"}
PEOPLE = {
    "alice": {"display_name": "Alice Liddell", "email": "alice.liddell@tracker.test"},
    "bob": {"display_name": "Robert Tables", "email": "bobby.tables@tracker.test"},
}
IDENTITIES = """\
identities:
  - name: alice
    headers: {Authorization: Bearer tk-alice-51}
  - name: bob
    headers: {Authorization: Bearer tk-bob-77}
"""
SEED: dict[str, dict[str, Any]] = {
    "ALP": {"owner": "alice", "name": "Alice's launch", "visibility": "private"},
    "BOP": {"owner": "bob", "name": "Bob's ops", "visibility": "private"},
    "PUB": {"owner": "bob", "name": "Bob's SDK", "visibility": "public"},
}
ISSUES: dict[str, dict[int, dict[str, Any]]] = {
    key: {
        n: {"number": n, "title": f"{key} issue {n}: {title}", "comments": []}
        for n, title in enumerate(titles, 1)
    }
    for key, titles in {
        "ALP": ["pick a date", "book the venue", "rotate the payment key"],
        "BOP": ["upgrade the cluster", "renew certificates", "audit sudoers"],
        "PUB": ["typo in README", "add a changelog"],
    }.items()
}


def _object(properties: dict[str, Any], required: list[str] | None = None) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required or []}


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _path(*names: str) -> list[dict[str, Any]]:
    kinds = {"key": {"type": "string"}, "number": {"type": "integer"}}
    return [{"name": n, "in": "path", "required": True, "schema": kinds[n]} for n in names]


PROJECT = _object(
    {
        "key": {"type": "string", "readOnly": True},
        "name": {"type": "string", "maxLength": 60},
        "visibility": {"type": "string", "enum": ["public", "private"], "default": "public"},
        "owner": {"type": "string", "readOnly": True},
        "owner_profile": {"type": "object", "readOnly": True},
    },
    ["name"],
)
ISSUE = _object(
    {"number": {"type": "integer", "readOnly": True}, "title": {"type": "string", "maxLength": 80}},
    ["title"],
)
COMMENT = _object(
    {"id": {"type": "integer", "readOnly": True}, "body": {"type": "string", "maxLength": 200}},
    ["body"],
)


def _answers(code: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    ok = {"description": "ok", **(_json(schema) if schema else {})}
    return {code: ok, "404": {"description": "no such project or issue"}}


CONTRACT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "tracker", "version": "1"},
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "paths": {
        "/projects": {
            "get": {
                "summary": "Your projects",
                "responses": _answers("200", {"type": "array", "items": PROJECT}),
            },
            "post": {
                "summary": "Start a project",
                "requestBody": {"required": True, **_json(PROJECT)},
                "responses": _answers("201", PROJECT),
            },
        },
        "/projects/{key}": {
            "parameters": _path("key"),
            "get": {
                "summary": "Get project",
                "responses": _answers("200", PROJECT),
            },
            "delete": {"summary": "Delete one of your projects", "responses": _answers("204")},
        },
        "/projects/{key}/issues": {
            "parameters": _path("key"),
            "get": {
                "summary": "Its issues",
                "responses": _answers("200", {"type": "array", "items": ISSUE}),
            },
            "post": {
                "summary": "File an issue",
                "requestBody": {"required": True, **_json(ISSUE)},
                "responses": _answers("201", ISSUE),
            },
        },
        "/projects/{key}/issues/{number}": {
            "parameters": _path("key", "number"),
            "get": {"summary": "One issue", "responses": _answers("200", ISSUE)},
            "delete": {"summary": "Close and remove an issue", "responses": _answers("204")},
        },
        "/projects/{key}/issues/{number}/comments": {
            "parameters": _path("key", "number"),
            "post": {
                "summary": "Comment on an issue",
                "requestBody": {"required": True, **_json(COMMENT)},
                "responses": _answers("201", COMMENT),
            },
        },
    },
}


class Tracker:
    """Projects, their issues numbered from 1, and comments; ``flawed`` forgets one check."""

    def __init__(self, *, flawed: bool, public_only: bool = False) -> None:
        self.flawed = flawed
        kept = {"PUB"} if public_only else set(SEED)
        self.seed = {k: v for k, v in SEED.items() if k in kept}
        self.seeded_issues = {k: v for k, v in ISSUES.items() if k in kept}
        self.projects = copy.deepcopy(self.seed)
        self.issues = copy.deepcopy(self.seeded_issues)
        self._ids = itertools.count(1)

    def changed(self) -> list[str]:
        """Projects and issues that differ from the seed."""
        projects, issues = self.seed, self.seeded_issues
        out = [k for k in {*self.projects, *projects} if self.projects.get(k) != projects.get(k)]
        return out + [k for k in {*self.issues, *issues} if self.issues.get(k) != issues.get(k)]

    def app(self) -> falcon.App:
        """The Falcon WSGI app."""
        app = falcon.App()
        app.add_route("/openapi.json", self, suffix="contract")
        app.add_route("/projects", self, suffix="projects")
        app.add_route("/projects/{key}", self, suffix="project")
        app.add_route("/projects/{key}/issues", self, suffix="issues")
        app.add_route("/projects/{key}/issues/{number:int}", self, suffix="issue")
        app.add_route("/projects/{key}/issues/{number:int}/comments", self, suffix="comments")
        return app

    def _who(self, req: falcon.Request) -> str:
        who = TOKENS.get(req.get_header("Authorization") or "")
        if who is None:
            raise falcon.HTTPUnauthorized()
        return who

    def _project(
        self, req: falcon.Request, key: str, *, owning: bool = False
    ) -> tuple[str, dict[str, Any]]:
        who = self._who(req)
        found = self.projects.get(key)
        if found is None or (found["owner"] != who and (owning or found["visibility"] != "public")):
            raise falcon.HTTPNotFound()
        return who, found

    def _issue(self, key: str, number: int) -> dict[str, Any]:
        found = self.issues.get(key, {}).get(number)
        if found is None:
            raise falcon.HTTPNotFound()
        return found

    def on_get_contract(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = CONTRACT

    def on_get_projects(self, req: falcon.Request, resp: falcon.Response) -> None:
        who = self._who(req)
        resp.media = [{"key": k, **p} for k, p in self.projects.items() if p["owner"] == who]

    def on_post_projects(self, req: falcon.Request, resp: falcon.Response) -> None:
        who = self._who(req)
        body = req.get_media(default_when_empty={})
        if not isinstance(body.get("name"), str) or body.get("visibility", "public") not in {
            "public",
            "private",
        }:
            raise falcon.HTTPUnprocessableEntity()
        key = f"P{next(self._ids)}"
        self.projects[key] = {
            "owner": who,
            "name": body["name"],
            "visibility": body.get("visibility", "public"),
        }
        self.issues[key] = {}
        resp.status, resp.media = falcon.HTTP_201, {"key": key, **self.projects[key]}

    def on_get_project(self, req: falcon.Request, resp: falcon.Response, key: str) -> None:
        found = self._project(req, key)[1]
        resp.media = {"key": key, **found, "owner_profile": PEOPLE[found["owner"]]}

    def on_delete_project(self, req: falcon.Request, resp: falcon.Response, key: str) -> None:
        self._project(req, key, owning=True)
        del self.projects[key]
        self.issues.pop(key, None)
        resp.status = falcon.HTTP_204

    def on_get_issues(self, req: falcon.Request, resp: falcon.Response, key: str) -> None:
        self._project(req, key)
        resp.media = [
            {"number": i["number"], "title": i["title"]} for i in self.issues[key].values()
        ]

    def on_post_issues(self, req: falcon.Request, resp: falcon.Response, key: str) -> None:
        self._project(req, key)
        title = req.get_media(default_when_empty={}).get("title")
        if not isinstance(title, str):
            raise falcon.HTTPUnprocessableEntity()
        number = max(self.issues[key], default=0) + 1
        self.issues[key][number] = {"number": number, "title": title, "comments": []}
        resp.status, resp.media = falcon.HTTP_201, {"number": number, "title": title}

    def on_get_issue(
        self, req: falcon.Request, resp: falcon.Response, key: str, number: int
    ) -> None:
        if self.flawed:
            self._who(req)  # the flaw: any caller, any project
        else:
            self._project(req, key)
        found = self._issue(key, number)
        resp.media = {"number": number, "title": found["title"], "comments": found["comments"]}

    def on_delete_issue(
        self, req: falcon.Request, resp: falcon.Response, key: str, number: int
    ) -> None:
        self._project(req, key, owning=True)
        self._issue(key, number)
        del self.issues[key][number]
        resp.status = falcon.HTTP_204

    def on_post_comments(
        self, req: falcon.Request, resp: falcon.Response, key: str, number: int
    ) -> None:
        who, _ = self._project(req, key)
        found = self._issue(key, number)
        body = req.get_media(default_when_empty={}).get("body")
        if not isinstance(body, str):
            raise falcon.HTTPUnprocessableEntity()
        comment = {"id": next(self._ids), "by": who, "body": body}
        found["comments"].append(comment)
        resp.status, resp.media = falcon.HTTP_201, comment


MEDIUM_UP = {"medium", "high", "critical"}
Scanned = tuple[Tracker, dict[str, Any]]


@pytest.fixture(
    scope="module",
    params=[(True, False), (False, False), (False, True)],
    ids=["flawed", "fixed", "fixed-public-only"],
)
def scanned(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Scanned:
    """One default scan of the flawed or the fixed tracker; with a private project of
    each user seeded, or only the public one (every private project is the scan's)."""
    flawed, public_only = request.param
    tracker = Tracker(flawed=flawed, public_only=public_only)
    folder: Path = tmp_path_factory.mktemp("tracker")
    with serving(tracker.app(), wsgi=True) as url:
        result, report = scan_with_identities(url, IDENTITIES, folder, "--checks", "bola")
    assert result.returncode in {0, 1}, result.stdout[-3000:] + result.stderr[-3000:]
    return tracker, report


def _serious(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [f for f in report["findings"] if f["severity"] in MEDIUM_UP]


def test_the_fixed_tracker_gives_no_bola(scanned: Scanned) -> None:
    """Public projects read by design and issue 3 of one's own project are no findings."""
    tracker, report = scanned
    if tracker.flawed:
        pytest.skip("the flawed twin is meant to give findings")
    assert _serious(report) == [], json.dumps(_serious(report), indent=1)[:3000]


def test_the_missing_project_check_is_found(scanned: Scanned) -> None:
    """Any caller reads any project's issue: BOLA on the issue read."""
    tracker, report = scanned
    if not tracker.flawed:
        pytest.skip("the fixed twin has no flaw")
    found = [f for f in _serious(report) if f["operation"] == "GET /projects/{key}/issues/{number}"]
    assert found, _serious(report)


def test_the_tracker_is_left_as_found(scanned: Scanned) -> None:
    """Every project the scan made is deleted, with its issues; no seeded issue gained a comment."""
    tracker, report = scanned
    assert tracker.changed() == [], report["tables"]["target_state"]
