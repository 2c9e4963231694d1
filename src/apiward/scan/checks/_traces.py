"""Signatures of leaked internals in an answer: stacks, runtime errors, SQL errors, debug pages.

Each signature is the shape a runtime or framework gives its own output, never a loose
word: a Python ``File "x.py", line N``, a Java ``at com.x.Y(Y.java:N)``, a .NET
``in C:\\x.cs:line N``, a Node ``at f (/x.js:N:M)``, a Go ``x.go:N +0x1d``, a Ruby
``x.rb:N:in 'f'``, a PHP ``Warning: ... in /x.php on line N``, a Perl
``at /x.pl line N.``, a database's own error text, a framework's debug page. An
ordinary error (``{"error": "Not found"}``), a validation message naming a field, or a
body that merely says "error" or "warning" matches none. Every repetition that can run
along a line is bounded, so a long one-line JSON answer costs linear time.

The answer is read three ways, so an envelope cannot hide a trace: as sent, with HTML
entities decoded (a debug page writes ``&#x2F;usr&#x2F;lib``), and as the strings of its
JSON (a trace in ``{"stack": "...\\n  at f (...)"}`` has its quotes and newlines escaped).
A match does not count when the legitimate answer shows the same text (the API's own
content: a code sample, a user's note) or when the request that got it carried that text
(an API echoing the scan's own input back is not leaking anything of its own).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import unquote_plus

READ = 1_000_000
"""Characters of each reading of an answer searched: a leak is at its start, or is a page
far smaller (the answer is read whole against what the request and legitimate answer held)."""
_PATH = r"(?:[A-Za-z]:)?[/\\][^\s<>\"']*"
"""An absolute file path, Unix or Windows: where a runtime says its code lives."""
_PHP_LEVEL = r"(?:Warning|Notice|Deprecated|Strict Standards|Fatal error|Parse error)"
"""PHP's message levels (``PHP Warning``, ``Recoverable fatal error`` end in one of them)."""

# A debug page comes first: it holds a stack too, and names what to switch off.
SIGNATURES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "debug page",
        re.compile(
            r"Werkzeug Debugger|You're seeing this error because you have <code>DEBUG = True|"
            r"Whoops! There was an error|Action Controller: Exception caught|xdebug-error|"
            r"enabled the <code>show_exceptions</code> setting|/__sinatra__/500\.png|"
            r"because you use <code>Rack::ShowExceptions</code>|Whitelabel Error Page|"
            r"(?i:<title>Server error \(development mode\)</title>)|mojo/debug\.html\.ep|"
            r"Mojo::Exception"
        ),
    ),
    # Mojolicious writes Perl frames as Python does (``File "app.pl", line 108``).
    ("Perl stack frame", re.compile(r'File "[^"\n]+\.(?:pl|pm|cgi|psgi|t)", line \d+')),
    ("Python traceback", re.compile(r"Traceback \(most recent call last\)")),
    ("Python stack frame", re.compile(r'File "[^"\n]+", line \d+')),
    (
        "Java exception",
        re.compile(r"Exception in thread \"|\bat (java|javax|com|org|sun|jdk)\.[\w$.]+\("),
    ),
    ("Java stack frame", re.compile(r"\bat [\w$./]+\([\w$]+\.(java|kt|scala):\d+\)")),
    (
        ".NET exception",
        re.compile(
            r"System\.[\w.]+Exception|--- End of (inner exception )?stack trace|"
            r"Server Error in '/' Application|"
            r"An unhandled exception occurred while processing the request"
        ),
    ),
    (".NET stack frame", re.compile(r"\bat [\w.`<>]+\([^()\n]{0,300}\) in [^\n]{1,300}?:line \d+")),
    (
        "Node stack",
        re.compile(
            r"at Object\.<anonymous>|at Module\._compile|\(node:internal/[^)]+:\d+:\d+\)|"
            r"\bat (?:async )?[\w.<>$\[\] ]{1,200} \((?:file://)?"
            + _PATH
            + r"\.[cm]?[jt]sx?:\d+:\d+\)|"
            r"^\s+at (?:async )?(?:file://)?" + _PATH + r"\.[cm]?[jt]sx?:\d+:\d+$",
            re.MULTILINE,
        ),
    ),
    (
        "Go panic",
        re.compile(r"goroutine \d+ \[running\]|panic: runtime error|\.go:\d+ \+0x[0-9a-f]+\b"),
    ),
    ("Ruby stack", re.compile(r"\.rb:\d+:in [`'][^`'\n]+'")),
    (
        "Ruby exception",
        re.compile(
            r"\b(?:ActiveRecord|ActiveModel|ActionController|ActionDispatch|ActionView|"
            r"Sequel|JSON|Rack|Sinatra)::(?:[A-Z]\w*::)*[A-Z]\w*"
            r"(?:Error|Exception|Invalid|NotFound|NotUnique|Missing)\b|"
            r"undefined method [`'][^`'\n]+' for (?:nil|an instance of)"
        ),
    ),
    (
        "PHP error",
        re.compile(
            _PHP_LEVEL
            + r"(?:</b>)?:\s+[^\n]{0,400}? in (?:<b>)?"
            + _PATH
            + r"(?:</b>)? on line (?:<b>)?\d+|"
            r"Stack trace:\s*#0 (?:\{main\}|\[internal function\]|[^\n(]+\(\d+\): )|"
            r"\b\w+\(\): Argument #\d+ \(\$\w+\) must be of type [\w|?]+, \w+ given|"
            r"\b(?:Illuminate|Symfony\\Component)\\[\w\\]*(?:Exception|Error)\b"
        ),
    ),
    ("Perl error", re.compile(r"\bat (?:[A-Za-z]:)?[\w./\\-]+\.(?:pl|pm|cgi|psgi) line \d+\.")),
    (
        "SQL error",
        re.compile(
            r"You have an error in your SQL syntax|SQLSTATE\[|\bORA-\d{5}\b|PG::\w+|"
            r"psycopg2?\.errors|sqlite3\.\w*Error|unterminated quoted string|"
            r"Unclosed quotation mark after the character string|SQLITE_ERROR|"
            r"syntax error at or near \"|SQLite3::\w+|Mysql2::Error|"
            r"near \"[^\"\n]*\": syntax error|unrecognized token: \"",
            re.IGNORECASE,
        ),
    ),
)


def signature(text: str, legit: str = "", sent: Sequence[str] = ()) -> str | None:
    """The kind of internals ``text`` leaks that neither ``legit`` shows nor ``sent`` carried."""
    known = [*_views(legit), *(view for piece in sent for view in _sent_views(piece))]
    views = [view[:READ] for view in _views(text)]
    for label, pattern in SIGNATURES:
        for view in views:
            if any(_new(m.group(), known) for m in pattern.finditer(view)):
                return label
    return None


def _new(found: str, known: list[str]) -> bool:
    return not any(found in other for other in known)


def _views(text: str) -> list[str]:
    """``text`` as sent, with HTML entities decoded, and as the strings of its JSON."""
    if not text:
        return []
    views = [text]
    decoded = html.unescape(text)
    if decoded != text:
        views.append(decoded)
    try:
        strings = list(_strings(json.loads(text)))
    except ValueError:
        strings = []
    if strings:
        views.append("\n".join(strings))
    return views


def _sent_views(piece: str) -> list[str]:
    """A URL or body the request carried, also URL- or form-decoded: as an API echoes it."""
    decoded = unquote_plus(piece)
    return _views(piece) + ([decoded] if decoded != piece else [])


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield str(key)
            yield from _strings(value)
    elif isinstance(data, list):
        for item in data:
            yield from _strings(item)
