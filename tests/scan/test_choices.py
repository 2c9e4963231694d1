"""The values a refusal says a field may take, in the words of several frameworks."""

from __future__ import annotations

import pytest

from apiward.scan.choices import allowed

TODO = ["todo", "in_progress", "done"]


@pytest.mark.parametrize(
    ("text", "name", "values"),
    [
        ("title is required and status must be todo, in_progress or done", "status", TODO),
        ('"status" must be one of [todo, in_progress, done]', "status", TODO),  # Joi
        (
            '{"detail":[{"type":"literal_error","loc":["body","status"],'
            '"msg":"Input should be \'todo\', \'in_progress\' or \'done\'","input":"ok"}]}',
            "status",
            TODO,
        ),  # pydantic 2
        ('{"status": ["Must be one of: todo, in_progress, done."]}', "status", TODO),
        ("role must be 'user' or 'admin'", "role", ["user", "admin"]),
        ("Allowed values are: sale, swap", "kind", []),  # the field is not named
        ("status must be a string", "status", []),
        ("password must be at least 8 characters long", "password", []),
        ('"priority" must be less than or equal to 5', "priority", []),
        ('"email" must be a valid email', "email", []),
        ("substatus must be todo or done", "status", []),  # another field's name
    ],
)
def test_a_refusal_lists_values_only_when_it_names_the_field_and_words(
    text: str, name: str, values: list[str]
) -> None:
    """Two or more words right after the field's name and "must be": never a constraint."""
    assert allowed(text, name) == values
