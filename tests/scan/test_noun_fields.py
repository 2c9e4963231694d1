"""A body field named by a collection's bare noun is an id only where it can hold one.

Django REST Framework names a foreign key after the related model (``{"project": 2}``).
The APIFlask trial's offer took a ``message`` (``maxLength: 500``) beside the API's
``/messages``: the scan sent it a message's id, 6, and every offer was refused ("Not a
valid string"), so nothing was tried on offers.
"""

from __future__ import annotations

from apiward.scan.fitting import noun_collection

NOUNS = {"project": "projects", "message": "messages"}


def test_a_bare_noun_holds_an_id_but_not_text() -> None:
    """An integer or a short string is an id; an enum, a date or text is not."""
    assert noun_collection("project", {"type": "integer"}, NOUNS) == "projects"
    assert noun_collection("project", {"type": "string", "maxLength": 36}, NOUNS) == "projects"
    assert noun_collection("message", {"type": "string", "maxLength": 500}, NOUNS) == ""
    assert noun_collection("project", {"type": "string", "enum": ["a"]}, NOUNS) == ""
    assert noun_collection("project", {"type": "string", "format": "date"}, NOUNS) == ""
