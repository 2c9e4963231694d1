"""Errors say where and what on one line."""

from __future__ import annotations

from apiward.core.errors import ApiwardError, SpecError


def test_error_names_file_line_and_pointer() -> None:
    """An error with a source, line and pointer prints all three before the message."""
    error = SpecError("'$ref' does not resolve", source="api.yaml", line=12, pointer="/paths")
    assert str(error) == "api.yaml:12 (at /paths): '$ref' does not resolve"


def test_error_without_location_is_just_the_message() -> None:
    """An error with no location is only its message."""
    assert str(ApiwardError("target unreachable")) == "target unreachable"


def test_root_pointer_is_shown_as_slash() -> None:
    """The empty JSON pointer (the whole document) reads as '/'."""
    assert (
        str(SpecError("not an object", source="x.json", pointer=""))
        == "x.json (at /): not an object"
    )
