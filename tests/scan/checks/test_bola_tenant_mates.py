"""Two members of one organisation sharing its records is the API's design, not a BOLA.

The Rails trial's recruiters rita and ruth both work for Acme (``company_id: 1`` in each
``GET /me``), and "any recruiter of the owning company may edit the company's jobs": the
scan called ruth editing and deleting a job rita made high, twice. An agency's time
tracker in Falcon: projects belong to an organisation and every member of it edits and
deletes them ("Any member of the project's organisation"); a timesheet is its author's
alone ("Only the timesheet's author"). ana and ben work for north, cy for south.

In the flawed twin a member reads and edits any timesheet of its organisation, and any
organisation's projects: both are still high. In the fixed twin only the colleagues'
project edits remain, low and tentative, with the reason in their detail.

A client another check's legitimate write changed is still the one ben lists: his read of
it is no finding at all (the Rails trial's offer, read while the scan's legitimate write
held its salary, was called a leak).
"""

from __future__ import annotations

import copy
import itertools
from pathlib import Path
from typing import Any

import falcon
import pytest
from tests.conftest import scan_with_identities

from serving import serving

USERS = {
    "Bearer tt-ana-51": {"id": "u-ana", "name": "Ana Ruiz", "orgId": "org-north"},
    "Bearer tt-ben-72": {"id": "u-ben", "name": "Ben Okafor", "orgId": "org-north"},
    "Bearer tt-cy-93": {"id": "u-cy", "name": "Cy Larsen", "orgId": "org-south"},
}
IDENTITIES = """\
identities:
  - {name: ana, role: member, headers: {Authorization: Bearer tt-ana-51}}
  - {name: ben, role: member, headers: {Authorization: Bearer tt-ben-72}}
  - {name: cy, role: member, headers: {Authorization: Bearer tt-cy-93}}
"""
PROJECTS = {
    "p-101": {"id": "p-101", "orgId": "org-north", "name": "Harbour redesign", "budget": 42000,
              "createdBy": "u-ana"},
    "p-102": {"id": "p-102", "orgId": "org-north", "name": "Tram signage", "budget": 9000,
              "createdBy": "u-ben"},
    "p-201": {"id": "p-201", "orgId": "org-south", "name": "Ferry app", "budget": 61000,
              "createdBy": "u-cy"},
}  # fmt: skip
CLIENTS = {
    "c-1": {"id": "c-1", "orgId": "org-north", "name": "Port of Aarvik", "createdBy": "u-ana",
            "contact": "Maren Holt", "email": "maren.holt@aarvik-port.no", "city": "Aarvik",
            "terms": "net 30, invoices in NOK", "rate": 1150},
    "c-2": {"id": "c-2", "orgId": "org-north", "name": "Lindqvist Bakery", "createdBy": "u-ben",
            "contact": "Per Lindqvist", "email": "per@lindqvist-bageri.se", "city": "Malmo",
            "terms": "prepaid, monthly retainer", "rate": 640},
}  # fmt: skip
SHEETS = {
    "t-1": {"id": "t-1", "orgId": "org-north", "userId": "u-ana", "hours": 6, "note": "site visit"},
    "t-2": {"id": "t-2", "orgId": "org-north", "userId": "u-ben", "hours": 3, "note": "sketches"},
    "t-3": {"id": "t-3", "orgId": "org-south", "userId": "u-cy", "hours": 8, "note": "sprint"},
}


def _body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "required": required, "properties": properties}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _item(summary: str, who: str, body: dict[str, Any], name: str) -> dict[str, Any]:
    param = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    ok = {"200": {"description": "ok"}, "404": {"description": "Not found"}}
    return {
        "parameters": param,
        "get": {"summary": f"Show a {name}", "description": who, "responses": ok},
        "patch": {
            "summary": f"Update a {name}",
            "description": who,
            "requestBody": body,
            "responses": ok,
        },
        "delete": {
            "summary": f"Delete a {name}",
            "description": who,
            "responses": {"204": {"description": "gone"}, "404": {"description": "Not found"}},
        },
    }


CLIENT = _body({"name": {"type": "string"}}, ["name"])
PROJECT = _body({"name": {"type": "string"}, "budget": {"type": "integer", "minimum": 0}}, ["name"])
SHEET = _body({"hours": {"type": "integer", "minimum": 0}, "note": {"type": "string"}}, ["hours"])
SPEC: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "time tracker", "version": "1.4.0"},
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
    "security": [{"bearer": []}],
    "paths": {
        "/me": {"get": {"summary": "The caller", "responses": {"200": {"description": "ok"}}}},
        "/projects": {
            "get": {
                "summary": "Projects of the caller's organisation",
                "responses": {"200": {"description": "ok"}},
            },
            "post": {
                "summary": "Start a project in the caller's organisation",
                "requestBody": PROJECT,
                "responses": {"201": {"description": "started"}},
            },
        },
        "/projects/{id}": _item(
            "project", "Any member of the project's organisation.", PROJECT, "project"
        ),
        "/clients": {
            "get": {
                "summary": "Clients of the caller's organisation",
                "responses": {"200": {"description": "ok"}},
            }
        },
        "/clients/{id}": {
            key: value
            for key, value in _item(
                "client", "Any member of the client's organisation.", CLIENT, "client"
            ).items()
            if key != "delete"
        },
        "/timesheets": {
            "get": {"summary": "My timesheets", "responses": {"200": {"description": "ok"}}},
            "post": {
                "summary": "Log time",
                "requestBody": SHEET,
                "responses": {"201": {"description": "logged"}},
            },
        },
        "/timesheets/{id}": _item("timesheet", "Only the timesheet's author.", SHEET, "timesheet"),
    },
}


class Tracker:
    """Projects shared within an organisation, timesheets private to their author."""

    def __init__(self, *, flawed: bool) -> None:
        self.flawed = flawed
        self.projects = copy.deepcopy(PROJECTS)
        self.clients = copy.deepcopy(CLIENTS)
        self.sheets = copy.deepcopy(SHEETS)
        self._ids = itertools.count(500)
        self.app = falcon.App()
        self.app.add_route("/openapi.json", self, suffix="spec")
        self.app.add_route("/me", self, suffix="me")
        self.app.add_route("/projects", self, suffix="projects")
        self.app.add_route("/projects/{id}", self, suffix="project")
        self.app.add_route("/clients", self, suffix="clients")
        self.app.add_route("/clients/{id}", self, suffix="client")
        self.app.add_route("/timesheets", self, suffix="sheets")
        self.app.add_route("/timesheets/{id}", self, suffix="sheet")

    def _user(self, req: falcon.Request) -> dict[str, Any]:
        user = USERS.get(req.get_header("Authorization") or "")
        if user is None:
            raise falcon.HTTPUnauthorized(title="Missing or invalid token")
        return user

    def _project(self, req: falcon.Request, id: str) -> dict[str, Any]:
        user, project = self._user(req), self.projects.get(id)
        if project is None or (project["orgId"] != user["orgId"] and not self.flawed):
            raise falcon.HTTPNotFound()
        return project

    def _sheet(self, req: falcon.Request, id: str) -> dict[str, Any]:
        user, sheet = self._user(req), self.sheets.get(id)
        mine = sheet is not None and sheet["userId"] == user["id"]
        colleague = sheet is not None and sheet["orgId"] == user["orgId"] and self.flawed
        if sheet is None or not (mine or colleague):
            raise falcon.HTTPNotFound()
        return sheet

    def on_get_spec(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = SPEC

    def on_get_me(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = self._user(req)

    def on_get_projects(self, req: falcon.Request, resp: falcon.Response) -> None:
        org = self._user(req)["orgId"]
        resp.media = {"projects": [p for p in self.projects.values() if p["orgId"] == org]}

    def on_post_projects(self, req: falcon.Request, resp: falcon.Response) -> None:
        user, body = self._user(req), req.get_media()
        if not isinstance(body.get("name"), str):
            raise falcon.HTTPBadRequest(title="name is required")
        new = {"id": f"p-{next(self._ids)}", "orgId": user["orgId"], "name": body["name"],
               "budget": body.get("budget", 0), "createdBy": user["id"]}  # fmt: skip
        self.projects[new["id"]] = new
        resp.media, resp.status = new, falcon.HTTP_201

    def on_get_project(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        resp.media = self._project(req, id)

    def on_patch_project(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        project = self._project(req, id)
        project.update({k: v for k, v in req.get_media().items() if k in {"name", "budget"}})
        resp.media = project

    def on_delete_project(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        self.projects.pop(self._project(req, id)["id"])
        resp.status = falcon.HTTP_204

    def on_get_clients(self, req: falcon.Request, resp: falcon.Response) -> None:
        org = self._user(req)["orgId"]
        resp.media = {"clients": [c for c in self.clients.values() if c["orgId"] == org]}

    def _client(self, req: falcon.Request, id: str) -> dict[str, Any]:
        user, client = self._user(req), self.clients.get(id)
        if client is None or client["orgId"] != user["orgId"]:
            raise falcon.HTTPNotFound()
        return client

    def on_get_client(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        resp.media = self._client(req, id)

    def on_patch_client(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        client = self._client(req, id)
        client.update({k: v for k, v in req.get_media().items() if k == "name"})
        resp.media = client

    def on_get_sheets(self, req: falcon.Request, resp: falcon.Response) -> None:
        me = self._user(req)["id"]
        resp.media = [s for s in self.sheets.values() if s["userId"] == me]

    def on_post_sheets(self, req: falcon.Request, resp: falcon.Response) -> None:
        user, body = self._user(req), req.get_media()
        if not isinstance(body.get("hours"), int):
            raise falcon.HTTPBadRequest(title="hours is required")
        new = {"id": f"t-{next(self._ids)}", "orgId": user["orgId"], "userId": user["id"],
               "hours": body["hours"], "note": body.get("note", "")}  # fmt: skip
        self.sheets[new["id"]] = new
        resp.media, resp.status = new, falcon.HTTP_201

    def on_get_sheet(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        resp.media = self._sheet(req, id)

    def on_patch_sheet(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        sheet = self._sheet(req, id)
        sheet.update({k: v for k, v in req.get_media().items() if k in {"hours", "note"}})
        resp.media = sheet

    def on_delete_sheet(self, req: falcon.Request, resp: falcon.Response, id: str) -> None:
        self.sheets.pop(self._sheet(req, id)["id"])
        resp.status = falcon.HTTP_204


def _scan(tmp_path: Path, *, flawed: bool) -> tuple[Tracker, list[dict[str, Any]]]:
    tracker = Tracker(flawed=flawed)
    with serving(tracker.app, wsgi=True) as url:
        done, report = scan_with_identities(
            url, IDENTITIES, tmp_path, "--checks", "auth_bypass,bola"
        )
    assert done.returncode in {0, 1}, done.stdout[-3000:] + done.stderr[-3000:]
    return tracker, [f for f in report["findings"] if f["check"] == "bola"]


@pytest.mark.parametrize("flawed", [True, False], ids=["flawed", "fixed"])
def test_seeded_records_are_left_as_found(tmp_path: Path, flawed: bool) -> None:
    """Whatever the scan made is gone, and what it wrote is back."""
    tracker, _ = _scan(tmp_path, flawed=flawed)
    assert tracker.projects == PROJECTS
    assert tracker.clients == CLIENTS
    assert tracker.sheets == SHEETS


def test_colleagues_sharing_projects_are_low_and_tentative(tmp_path: Path) -> None:
    """ben changing and deleting what ana made in north is north's design: low, with why;
    his reading it is no finding at all, for his listing shows all of it (one the scan made
    after the harvest is looked up in his listing then); nor is ana's client, which ben
    lists, though the scan had renamed it."""
    _, findings = _scan(tmp_path, flawed=False)
    assert not [f for f in findings if f["severity"] != "low"], findings
    found = {f["operation"] for f in findings}
    colleagues = {"PATCH /projects/{id}", "DELETE /projects/{id}"}
    assert colleagues <= found <= colleagues | {"PATCH /clients/{id}"}, findings
    for finding in findings:
        assert finding["confidence"] == "tentative"
        assert "one tenant (orgId org-north" in finding["detail"]


def test_a_private_record_and_another_tenant_are_still_high(tmp_path: Path) -> None:
    """A colleague's timesheet, and another organisation's project, stay high."""
    _, findings = _scan(tmp_path, flawed=True)
    high = {f["operation"]: f for f in findings if f["severity"] == "high"}
    assert "GET /timesheets/{id}" in high, findings
    assert "PATCH /timesheets/{id}" in high, findings
    assert "GET /projects/{id}" in high, findings
    assert "cy" in high["GET /projects/{id}"]["title"], high["GET /projects/{id}"]
