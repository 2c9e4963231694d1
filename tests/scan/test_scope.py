"""--include/--exclude patterns select operations by route, glob, tag or operationId; exclude wins."""

from __future__ import annotations

import pytest

from apiward.scan.scope import Scope, matches, patterns
from apiward.spec import Operation

USERS = Operation(method="GET", path="/users/{id}", operation_id="getUser", tags=("users",))
ADMIN = Operation(
    method="POST", path="/admin/users/{id}/ban", operation_id="banUser", tags=("admin",)
)
EXPORT = Operation(method="GET", path="/reports/export", operation_id="exportReport")
ALL = (USERS, ADMIN, EXPORT)


@pytest.mark.parametrize(
    ("pattern", "selected"),
    [
        ("GET /users/{id}", {"GET /users/{id}"}),
        ("get /users/{id}", {"GET /users/{id}"}),
        ("POST /users/{id}", set()),
        ("/admin/*", {"POST /admin/users/{id}/ban"}),
        ("GET /*", {"GET /users/{id}", "GET /reports/export"}),
        ("*export*", {"GET /reports/export"}),
        ("tag:admin", {"POST /admin/users/{id}/ban"}),
        ("tag:user*", {"GET /users/{id}"}),
        ("id:getUser", {"GET /users/{id}"}),
        ("id:*User", {"GET /users/{id}", "POST /admin/users/{id}/ban"}),
        ("exportReport", {"GET /reports/export"}),
        ("export", set()),
    ],
)
def test_a_pattern_selects_by_route_glob_tag_or_operation_id(
    pattern: str, selected: set[str]
) -> None:
    """Each pattern form selects exactly the operations it names."""
    assert {op.key for op in ALL if matches(pattern, op)} == selected


def test_exclude_wins_over_include() -> None:
    """An operation both included and excluded is out, and the reason names the exclude."""
    scope = Scope(include=("GET /*",), exclude=("*export*",))
    assert scope.why_out(USERS) is None
    assert scope.why_out(EXPORT) == "--exclude '*export*'"
    assert scope.why_out(ADMIN) == "matches no --include"


def test_no_patterns_keep_everything_in() -> None:
    """Without include or exclude, every operation is in scope."""
    assert all(Scope().why_out(op) is None for op in ALL)


def test_unmatched_patterns_are_reported() -> None:
    """A pattern that selects no operation is named, so a typo is an error, not a silent no-op."""
    assert Scope(include=("GET /userz/*", "tag:admin"), exclude=("getUsr",)).unmatched(ALL) == (
        "GET /userz/*",
        "getUsr",
    )


def test_undocumented_paths_are_kept_out_only_by_route_excludes() -> None:
    """A guessed path is out when an exclude route matches it; includes do not apply."""
    scope = Scope(include=("tag:users",), exclude=("/admin/*",))
    assert scope.why_out_path("GET", "/admin/debug") == "--exclude '/admin/*'"
    assert scope.why_out_path("GET", "/internal/debug") is None


def test_patterns_split_repeats_and_commas() -> None:
    """Repeated options and comma-separated lists give one tuple, blanks dropped."""
    assert patterns(["GET /a, tag:x", " ", "id:y"]) == ("GET /a", "tag:x", "id:y")
