"""An operation that destroys or resets state is recognised by what it says, whatever its method."""

from __future__ import annotations

from functools import cache

import pytest
from tests.conftest import SHARED

from apiward.scan.destructive import destructive, why_destructive, words
from apiward.spec import Api, Operation, load

CORPUS = SHARED / "data" / "openapi-corpus"


@cache
def _corpus(name: str) -> Api:
    return load(CORPUS / name, remote_refs=False)


def _op(spec: str, key: str) -> Operation:
    return next(op for op in _corpus(spec).operations if op.key == key)


def test_words_split_camel_snake_kebab_and_acronyms() -> None:
    """Names split into lower-case words at punctuation, camelCase, acronyms and digits."""
    assert words("/api/resetDB") == ["api", "reset", "db"]
    assert words("wipe_all-Users2") == ["wipe", "all", "users", "2"]
    assert words("HTMLParser") == ["html", "parser"]


@pytest.mark.parametrize(
    ("method", "path", "operation_id"),
    [
        ("GET", "/createdb", ""),
        ("GET", "/api/v1/reset", ""),
        ("GET", "/api/resetDB", ""),
        ("POST", "/admin/wipe_all", ""),
        ("POST", "/users/{id}/delete", ""),
        ("GET", "/create-db", ""),
        ("POST", "/db/createDatabase", ""),
        ("GET", "/seed", ""),
        ("POST", "/seed-db", ""),
        ("POST", "/init", ""),
        ("PUT", "/tables/truncate", ""),
        ("POST", "/system/shutdown", ""),
        ("POST", "/shut-down", ""),
        ("POST", "/auth/logout-all", ""),
        ("POST", "/sessions/sign-out-everywhere", ""),
        ("POST", "/tokens/revoke_all", ""),
        ("POST", "/auth/revokeAll", ""),
        ("POST", "/admin/users/{id}/log_out", ""),
        ("POST", "/keys/{key_id}/revoke", ""),
        ("GET", "/cache/flush", ""),
        ("POST", "/items/clear-all", ""),
        ("POST", "/items/removeAll", ""),
        ("GET", "/dropdb", ""),
        ("GET", "/maintenance", "reinitialiseStore"),
        ("POST", "/things", "purgeThings"),
        ("DELETE", "/users/{id}", ""),
        ("POST", "/api/admin/users/{username}/deactivate", ""),
        ("PATCH", "/users/{id}", "suspendUser"),
        ("POST", "/me/disable", ""),
        ("POST", "/accounts/{id}/lock", ""),
    ],
    ids=lambda v: v or "-",
)
def test_destructive_names_are_caught_whatever_the_method(
    method: str, path: str, operation_id: str
) -> None:
    """A path segment or operationId that speaks of destruction makes any method destructive."""
    assert why_destructive(method, path, operation_id=operation_id) is not None


@pytest.mark.parametrize(
    ("method", "path", "operation_id"),
    [
        ("GET", "/users/{id}/initials", ""),
        ("GET", "/seeds", ""),
        ("GET", "/seeds/{seed_id}", ""),
        ("GET", "/seed_catalog", ""),
        ("GET", "/ui/dropdown", ""),
        ("GET", "/items/deleted", ""),
        ("GET", "/security/clearance", ""),
        ("GET", "/metrics/restart_count", ""),
        ("GET", "/drops/{id}", ""),
        ("POST", "/uploads", "uploadInit"),
        ("GET", "/users", "listUsers"),
        ("POST", "/skills", "createSkill"),
        ("POST", "/logout", ""),
        ("POST", "/auth/sign-out", ""),
        ("POST", "/oauth/revoke", "revokeToken"),
        ("GET", "/users/{id}/lock_status", ""),
        ("POST", "/users/{id}/unlock", ""),
        ("GET", "/blocks", ""),
    ],
    ids=lambda v: v or "-",
)
def test_words_that_only_look_destructive_are_not(
    method: str, path: str, operation_id: str
) -> None:
    """Whole words only; nouns that double as verbs count only as commands; a plain logout is the
    caller's; a verb that shuts an account out counts unless it qualifies a noun (lock status)."""
    assert why_destructive(method, path, operation_id=operation_id) is None


def test_summary_starting_with_a_destructive_verb_counts() -> None:
    """A summary that starts with a destructive verb makes the operation destructive."""
    assert why_destructive("POST", "/pets/{id}/archive", summary="Deletes a pet") is not None
    assert why_destructive("GET", "/demo", summary="Reset demo data") is not None
    assert why_destructive("POST", "/uploads", summary="Initialize the upload") is None


def test_prose_needs_a_strong_verb_on_state() -> None:
    """Prose counts only with a strong verb on the store; mentioning deletions does not."""
    assert why_destructive("GET", "/x", description="Wipes the database and re-creates it.")
    assert why_destructive("GET", "/x", description="This resets all data to the seed.")
    assert why_destructive("POST", "/x", description="Drops the existing tables.")
    assert why_destructive("GET", "/items", description="Deleted items are not shown.") is None
    assert (
        why_destructive("GET", "/items", description="Lists items; see DELETE to remove one.")
        is None
    )


def test_the_reason_names_what_gave_it_away() -> None:
    """The reason says where the destructive word was found."""
    assert why_destructive("GET", "/createdb") == "its path says 'create + db'"
    assert why_destructive("DELETE", "/a/{id}") == "the DELETE method"


@pytest.mark.parametrize(
    ("spec", "key"),
    [
        ("browshot.com__main__1.17.0.yaml", "GET /screenshot/delete"),
        (
            "amazonaws.com__sqs__2012-11-05.yaml",
            "GET /{AccountNumber}/{QueueName}/#Action=PurgeQueue",
        ),
        ("slack.com__web__1.7.0.json", "POST /chat.delete"),
        ("discourse.local__main__latest.yaml", "POST /admin/users/{id}/log_out.json"),
        ("docker.com__engine__1.33.yaml", "POST /containers/prune"),
        ("docker.com__engine__1.33.yaml", "POST /swarm/init"),
        ("telegram.org__main__5.0.0.yaml", "POST /deleteMessage"),
        ("twitter.com__unofficial__1.1.json", "POST /statuses/destroy/{id}.json"),
        (
            "box.com__main__2024.0.json",
            "POST /metadata_taxonomies/{namespace}/{taxonomy_key}/levels:trim",
        ),
    ],
    ids=lambda v: v.split("__")[0] if "__" in v else v,
)
def test_real_world_destructive_operations_are_caught(spec: str, key: str) -> None:
    """Operations of real contracts that destroy state are destructive, GETs included."""
    assert destructive(_op(spec, key)) is not None


@pytest.mark.parametrize(
    ("spec", "key"),
    [
        ("vestorly.com__main__1.0.0.yaml", "GET /seed_custom_feeds"),
        ("cpy.re__peertube__3.3.0.yaml", "POST /videos/upload-resumable"),
        ("docker.com__engine__1.33.yaml", "POST /session"),
        ("docker.com__engine__1.33.yaml", "GET /containers/json"),
        ("slack.com__web__1.7.0.json", "GET /conversations.history"),
        ("slack.com__web__1.7.0.json", "GET /auth.revoke"),
        ("meshery.local__main__0.4.27.yaml", "GET /api/user/logout"),
        ("twitter.com__unofficial__1.1.json", "GET /statuses/user_timeline.json"),
    ],
    ids=lambda v: v.split("__")[0] if "__" in v else v,
)
def test_real_world_harmless_operations_are_not(spec: str, key: str) -> None:
    """Real reads and creations whose names only resemble destruction stay usable."""
    assert destructive(_op(spec, key)) is None


def test_most_real_world_reads_are_not_destructive() -> None:
    """Across several real contracts, almost every GET stays a read (few false positives)."""
    specs = [
        "slack.com__web__1.7.0.json",
        "docker.com__engine__1.33.yaml",
        "twitter.com__unofficial__1.1.json",
    ]
    reads = [op for s in specs for op in _corpus(s).operations if op.method == "GET"]
    flagged = [op.key for op in reads if destructive(op)]
    assert flagged == []
