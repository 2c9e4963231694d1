"""A listing filter that only narrows what the caller lists anyway is no leak.

A sports club in Falcon: its notices are club-wide, every coach lists all of them, and
``?team_id=`` narrows the list to one team's. The harvest fills that optional filter with
each coach's own team, so no listing it read showed a coach the other team's notices, and
a coach filtering by a colleague's team was called high (the PHP trial's announcements,
``GET /announcements?course_id=3``). The twin keeps each team's notices to its coaches
but forgets the check on the filter: a coach reading another team's notices through it is
still found.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import falcon
import pytest
from ownership_support import scan_app

from apiward.core.findings import Severity
from apiward.scan import Identity, Results
from apiward.scan.checks.bola import Bola
from serving import serving

COACHES = {"tok-cleo": ("cleo", 1), "tok-dirk": ("dirk", 2)}
TEAMS = {1: {"id": 1, "name": "Under-12 girls"}, 2: {"id": 2, "name": "Veterans"}}
NOTICES = [
    {"id": 5, "team_id": 2, "title": "Kit collection on Friday", "author": "dirk"},
    {"id": 4, "team_id": 1, "title": "Tournament bus leaves 7:30", "author": "cleo"},
    {"id": 3, "team_id": 1, "title": "Training moved to 6pm", "author": "cleo"},
    {"id": 2, "team_id": 2, "title": "Subs are due", "author": "dirk"},
    {"id": 1, "team_id": None, "title": "Club barbecue, all welcome", "author": "office"},
]


def _ok(description: str, *parameters: dict[str, Any]) -> dict[str, Any]:
    return {
        "parameters": list(parameters),
        "responses": {"200": {"description": description}, "401": {"description": "no token"}},
    }


def _int(name: str, where: str = "query", **more: Any) -> dict[str, Any]:
    return {"in": where, "name": name, "type": "integer", "required": where == "path", **more}


CONTRACT: dict[str, Any] = {
    "swagger": "2.0",
    "info": {"title": "club", "version": "3"},
    "securityDefinitions": {"token": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"}},
    "security": [{"token": []}],
    "paths": {
        "/teams": {"get": _ok("The teams the caller coaches")},
        "/teams/{team_id}": {"get": _ok("One team", _int("team_id", "path"))},
        "/notices": {
            "get": _ok(
                "Notices, newest first",
                _int("team_id"),
                _int("limit", default=20, maximum=50),
                _int("offset", default=0),
            )
        },
    },
}


class _Coach:
    """Falcon middleware: the coach the token names, or a 401."""

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if req.path == "/openapi.json":
            return
        coach = COACHES.get(req.get_header("X-Auth-Token") or "")
        if coach is None:
            raise falcon.HTTPUnauthorized(title="login required")
        req.context.coach, req.context.team = coach


class Contract:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.text = json.dumps(CONTRACT)


class Teams:
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        resp.media = [TEAMS[req.context.team]]


class Team:
    def on_get(self, req: falcon.Request, resp: falcon.Response, team_id: int) -> None:
        if team_id != req.context.team:
            raise falcon.HTTPNotFound()
        resp.media = TEAMS[team_id]


class Notices:
    def __init__(self, *, club_wide: bool) -> None:
        self.club_wide = club_wide

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        rows = NOTICES
        if not self.club_wide:  # each team's notices to its coaches (and the club's to all)
            rows = [n for n in rows if n["team_id"] in {None, req.context.team}]
        team = req.get_param_as_int("team_id")
        if team is not None:  # the twin forgets the rule here: NOTICES, not rows
            rows = [n for n in NOTICES if n["team_id"] == team]
        start = req.get_param_as_int("offset", default=0)
        resp.media = rows[start : start + req.get_param_as_int("limit", default=20)]


def club(*, club_wide: bool) -> falcon.App:
    """The app; ``club_wide``: every coach lists every notice (by design)."""
    app = falcon.App(middleware=[_Coach()])
    app.add_route("/openapi.json", Contract())
    app.add_route("/teams", Teams())
    app.add_route("/teams/{team_id:int}", Team())
    app.add_route("/notices", Notices(club_wide=club_wide))
    return app


IDENTITIES = (
    Identity(name="cleo", role="coach", headers={"X-Auth-Token": "tok-cleo"}),
    Identity(name="dirk", role="coach", headers={"X-Auth-Token": "tok-dirk"}),
)


@pytest.fixture(scope="module", params=[True, False], ids=["club-wide", "per-team"])
def scanned(request: pytest.FixtureRequest) -> Iterator[tuple[bool, Results]]:
    """A bola scan of the club, its notices club-wide or kept to each team."""
    with serving(club(club_wide=request.param), wsgi=True) as url:
        yield request.param, scan_app(url, Bola(), IDENTITIES)


def test_a_filter_over_notices_every_coach_lists_is_no_finding(
    scanned: tuple[bool, Results],
) -> None:
    """Club-wide notices: ``?team_id=`` with a colleague's team shows nothing the coach's own
    unfiltered listing does not: no finding. Kept to each team: the same filter is high."""
    club_wide, results = scanned
    found = [(f.operation, f.severity) for f in results.findings if f.severity >= Severity.MEDIUM]
    assert results.errors == []
    if club_wide:
        assert found == []
        return
    assert found == [("GET /notices", Severity.HIGH)]
