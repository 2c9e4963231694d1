"""How alike two answers are: JSON by its leaves, short text by characters, long text by tokens."""

from __future__ import annotations

import json

from apiward.scan.diff import LONG, SAME, similarity


def _debug_page(path: str, detail: str) -> str:
    """A framework's debug page: 60 kB of HTML around one line that differs."""
    rows = "".join(
        f"<tr><td>SETTING_{n}</td><td class='code'><pre>'value {n}'</pre></td></tr>\n"
        for n in range(1_000)
    )
    return f"<html><h1>Page not found at {path}</h1><p>{detail}</p><table>{rows}</table></html>"


def test_a_long_page_and_the_same_page_for_another_path_are_the_same_answer() -> None:
    """Over ``LONG`` characters the words count, so one changed line leaves them alike."""
    one, other = _debug_page("/api/projects/7/", "No Project"), _debug_page("/api/x/", "No X")
    assert len(one) > LONG
    assert similarity(one, other) >= SAME


def test_a_long_page_and_an_unrelated_answer_are_not() -> None:
    """A debug page and a short error, or an unrelated long text, are told apart."""
    page = _debug_page("/api/projects/7/", "No Project")
    assert similarity(page, "Not Found") < 0.1
    assert similarity(page, "lorem ipsum dolor sit amet " * 400) < 0.1


def test_short_texts_and_json_keep_their_measures() -> None:
    """Short texts compare character by character; JSON by leaves, in any order."""
    assert similarity("Not Found", "Not found") > 0.8
    assert similarity(json.dumps([{"id": 1}, {"id": 2}]), json.dumps([{"id": 2}, {"id": 1}])) == 1.0
    assert similarity(json.dumps({"id": 1}), json.dumps({"id": 2})) == 0.0
