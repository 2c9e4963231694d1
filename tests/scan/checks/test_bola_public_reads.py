"""bola on reads the contract calls public: anyone may read them by design, no finding.

The guild API is a small Flask app: ``GET /api/me`` answers the caller's member record
(its ``member_id`` among it), ``GET /api/members/{member_id}`` answers any member's
profile to any signed-in member, and ``PUT`` on it lets any member change any profile.
Whether the read is broken object level authorization depends on what the contract says
of it: a public profile is meant to be read by anyone, a profile the contract does not
call public (or calls "not public") is not. A write is never exempt.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from flask import Flask, jsonify, request

from apiward.core.findings import Severity
from apiward.core.registry import Registry
from apiward.scan import Identity, Results, ScanConfig, scan
from apiward.scan.check import AnyCheck, SkipReason
from apiward.scan.checks.bola import Bola
from apiward.spec import load
from serving import serving

TOKENS = {"Bearer g-ann": 11, "Bearer g-ben": 12}
IDENTITIES = (
    Identity(name="ann", role="member", headers={"Authorization": "Bearer g-ann"}),
    Identity(name="ben", role="member", headers={"Authorization": "Bearer g-ben"}),
)
PROFILE = "GET /api/members/{member_id}"
EDIT = "PUT /api/members/{member_id}"


def guild_app(words: dict[str, Any]) -> Flask:
    """The guild API; ``words`` (summary, description, tags) describe the profile read."""
    app = Flask(__name__)
    members = {
        11: {"member_id": 11, "handle": "ann", "bio": "Weaver from Leeds, 12 looms"},
        12: {"member_id": 12, "handle": "ben", "bio": "Potter in Bristol since 2009"},
    }

    def caller() -> int | None:
        return TOKENS.get(request.headers.get("Authorization", ""))

    @app.get("/openapi.json")
    def contract() -> Any:
        return jsonify(_contract(words))

    @app.get("/api/me")
    def me() -> Any:
        who = caller()
        if who is None:
            return jsonify(error="sign in"), 401
        return jsonify({**members[who], "email": f"{members[who]['handle']}@guild.test"})

    @app.get("/api/members/<int:member_id>")
    def profile(member_id: int) -> Any:
        if caller() is None:
            return jsonify(error="sign in"), 401
        if member_id not in members:
            return jsonify(error="no such member"), 404
        return jsonify(members[member_id])

    @app.put("/api/members/<int:member_id>")
    def edit(member_id: int) -> Any:
        if caller() is None:
            return jsonify(error="sign in"), 401
        if member_id not in members:
            return jsonify(error="no such member"), 404
        members[member_id]["bio"] = str((request.get_json(silent=True) or {}).get("bio", ""))
        return jsonify(members[member_id])

    return app


def _contract(words: dict[str, Any]) -> dict[str, Any]:
    member = {
        "type": "object",
        "properties": {
            "member_id": {"type": "integer"},
            "handle": {"type": "string"},
            "bio": {"type": "string"},
        },
    }

    def answer(schema: dict[str, Any]) -> dict[str, Any]:
        ok = {"description": "ok", "content": {"application/json": {"schema": schema}}}
        return {"200": ok, "401": {"description": "sign in"}}

    bio = {"type": "object", "properties": {"bio": {"type": "string"}}}
    member_id = {"name": "member_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "guild", "version": "1"},
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/api/me": {"get": {"summary": "The caller's own record", "responses": answer(member)}},
            "/api/members/{member_id}": {
                "parameters": [member_id],
                "get": {"responses": answer(member), **words},
                "put": {
                    "summary": "Update a public profile",
                    "requestBody": {"content": {"application/json": {"schema": bio}}},
                    "responses": answer(member),
                },
            },
        },
    }


def _scan(words: dict[str, Any]) -> Results:
    with serving(guild_app(words), wsgi=True) as url:
        api = load(f"{url}/openapi.json", allow_private=True)
        registry = Registry[AnyCheck]("check", [("bola", Bola())])
        return asyncio.run(scan(api, ScanConfig(target=url, identities=IDENTITIES), registry))


def _profile_findings(results: Results) -> list[str]:
    return [
        f.title
        for f in results.findings
        if f.operation == PROFILE and f.severity >= Severity.MEDIUM
    ]


@pytest.mark.parametrize(
    "words",
    [
        {"summary": "Public profile of a member"},
        {"summary": "A member", "description": "Profiles are publicly visible to members."},
        {"summary": "A member", "tags": ["public"]},
        # The Fastify trial's profile cards, read by every user "for @mentions".
        {"summary": "Profile of a member", "description": "Profile card of any member."},
        {"summary": "A member", "description": "Readable by any signed-in user."},
    ],
    ids=["summary", "description", "tag", "of-any-member", "any-signed-in-user"],
)
def test_a_read_the_contract_calls_public_is_no_bola(words: dict[str, Any]) -> None:
    """ben reads ann's profile, but the contract says it is public: nothing, and a skip says why."""
    results = _scan(words)
    assert _profile_findings(results) == []
    skips = [s for s in results.skipped if s.check == "bola" and s.operation == PROFILE]
    assert [s.reason for s in skips] == [SkipReason.NOT_APPLICABLE.value], skips
    assert "public" in skips[0].detail


def test_a_write_the_contract_calls_public_is_still_tested() -> None:
    """ "Update a public profile" that lets ben change ann's bio is BOLA: only reads are exempt."""
    results = _scan({"summary": "Public profile of a member"})
    edits = [f.title for f in results.findings if f.operation == EDIT]
    assert edits == ["ben changes ann's object through path member_id"]


@pytest.mark.parametrize(
    ("words", "severity"),
    [
        ({"summary": "Profile of a member"}, Severity.MEDIUM),
        ({"summary": "Member profile (not public)"}, Severity.HIGH),
        (
            {"summary": "A member", "description": "A non-public profile: members only."},
            Severity.HIGH,
        ),
        ({"summary": "Public and private fields of a member"}, Severity.HIGH),
    ],
    ids=["silent", "not-public", "non-public", "public-and-private"],
)
def test_a_read_the_contract_does_not_call_public_is_still_tested(
    words: dict[str, Any], severity: Severity
) -> None:
    """The same read without the contract's word "public" is BOLA: high where the contract
    negates it; medium where it is silent, as the answer holds only profile fields."""
    results = _scan(words)
    assert _profile_findings(results) == ["ben reads ann's object through path member_id"]
    assert [f.severity for f in results.findings if f.operation == PROFILE] == [severity]
