"""Path canonicalisation: decode once, refuse every ambiguous spelling."""

from __future__ import annotations

import pytest

from apiward.guard.canonicalise import canonical_path, encode_path
from apiward.guard.problem import Refusal, Rule

HOSTILE = [
    (b"/api/../admin", "dot-dot"),
    (b"/api/./admin", "dot"),
    (b"/api/%2e%2e/admin", "encoded-dot-dot"),
    (b"/api/%2E%2E/admin", "encoded-dot-dot-upper"),
    (b"/api/..%2fadmin", "encoded-slash"),
    (b"/api/%2Fadmin", "encoded-slash-upper"),
    (b"/api/%5cadmin", "encoded-backslash"),
    (b"/api\\admin", "raw-backslash"),
    (b"/api/%00", "encoded-nul"),
    (b"/api/\x00", "raw-nul"),
    (b"//admin", "double-slash"),
    (b"/api//admin", "empty-segment"),
    (b"/api/%C0%AF", "overlong-utf8"),
    (b"/api/%ff", "invalid-utf8"),
    (b"/api/%0a", "encoded-newline"),
    (b"/api/%252e%252e/admin", "double-encoded"),
    (b"/api/%zz", "malformed-escape"),
    (b"api", "relative"),
    (b"/api/..", "trailing-dot-dot"),
]


@pytest.mark.parametrize(("raw", "name"), HOSTILE, ids=[name for _, name in HOSTILE])
def test_ambiguous_paths_are_refused(raw: bytes, name: str) -> None:
    """Every spelling two parsers could read differently is refused with path.not-canonical."""
    with pytest.raises(Refusal) as refused:
        canonical_path(raw)
    assert refused.value.rule is Rule.PATH_NOT_CANONICAL


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (b"/items/7", "/items/7"),
        (b"/items/caf%C3%A9", "/items/café"),
        (b"/items/a%20b", "/items/a b"),
        (b"/items/..x", "/items/..x"),
        (b"/", "/"),
    ],
    ids=["plain", "utf8", "space", "dots-inside-segment", "root"],
)
def test_legitimate_paths_decode_once(raw: bytes, expected: str) -> None:
    """Plain and singly-encoded paths come out decoded exactly once."""
    assert canonical_path(raw) == expected


def test_the_forwarded_path_decodes_back_to_the_checked_one() -> None:
    """What the gateway sends upstream is the canonical path, re-encoded losslessly."""
    path = canonical_path(b"/items/caf%C3%A9%20x;v=1")
    assert canonical_path(encode_path(path).encode()) == path
