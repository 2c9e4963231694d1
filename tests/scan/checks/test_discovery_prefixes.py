"""What counts as a prefix to hide paths under: one most paths share, not a resource.

A spec-first contract served under its base path (``servers: [{url: /api/v1}]``) starts
its paths with its resources (``/documents``, ``/users/{id}``): those are not prefixes,
so ``shadow_endpoints`` asks ``/internal/users`` and ``/admin/documents`` under the base
path, not ``/documents/internal``, ``/auth/test`` and the like (the Connexion trial's).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from apiward.scan.checks._discovery import collections, prefixes, unique
from apiward.scan.checks.shadow import MAX_SHADOW, ShadowEndpoints, _probed
from apiward.spec import Api, load

_GET = {"get": {"responses": {"200": {"description": "ok"}}}}


def _api(tmp_path: Path, paths: list[str], base: str = "") -> Api:
    contract: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "t", "version": "1"},
        "paths": dict.fromkeys(paths, _GET),
    }
    if base:
        contract["servers"] = [{"url": base}]
    (tmp_path / "openapi.json").write_text(json.dumps(contract))
    return load(str(tmp_path / "openapi.json"))


def test_resources_under_a_base_path_are_no_prefixes(tmp_path: Path) -> None:
    """Paths that start with their resources have only the root; the hidden paths go there."""
    api = _api(
        tmp_path,
        ["/documents", "/documents/{doc_id}", "/users/{user_id}", "/auth/login", "/me"],
        base="/api/v1",
    )
    assert prefixes(api) == [""]
    assert collections(api)[:2] == ["documents", "users"]
    asked = unique(ShadowEndpoints().candidates(api), api, MAX_SHADOW)
    assert {"/internal/users", "/admin/documents", "/internal"} <= set(asked)
    assert not [p for p in asked if p.startswith(("/auth/", "/me/", "/documents/"))]


def test_a_shared_first_segment_and_a_version_are_prefixes(tmp_path: Path) -> None:
    """``/api`` that every path starts with is one; so is ``/api/v2`` wherever it stands."""
    flat = _api(tmp_path, ["/api/orders", "/api/orders/{id}", "/api/users", "/health"])
    assert prefixes(flat) == ["", "/api"]
    versioned = _api(tmp_path, ["/api/v2/orders", "/api/v2/orders/{id}", "/auth/login"])
    assert _probed(prefixes(versioned)) == ["", "/api/v2"]
