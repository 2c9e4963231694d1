"""Injection signatures: does a free string look like SQL, template syntax or a path climb?

SQL is libinjection's fingerprint test (``libinjection-python``, the C library WAFs
such as ModSecurity use): it tokenises the text as SQL would, so ``O'Brien`` and
prose with "select" or "union" pass and ``' OR '1'='1`` does not. Template syntax
and path traversal are two small checks written here: delimiters that evaluate in
a template engine (``{{..}}``, ``{%..%}``, ``${..}``, ``#{..}``, ``<%..%>``...), and a
``..`` path segment after up to three rounds of percent-decoding. The figures that
chose them (false positives on benign text, detections on attack payloads, cost)
come from ``benchmarks/injection_signatures.py`` and are in the README.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import unquote

import libinjection  # type: ignore[import-not-found]

from apiward.guard.vocabulary import Signature

_TEMPLATE = re.compile(
    r"\{\{.*?\}\}|\{%.*?%\}|[$#*@]\{.*?\}|<%.*?%>|\{php\}|<#\w|#set\(|@\(", re.DOTALL
)
_INERT = re.compile(r"[\w@-]*(\.[\w@-]+)*", re.ASCII)
_TRAVERSAL = re.compile(r"(^|[\\/;])\.\.(;)?([\\/]|$)|\.\.\.\.[\\/]")


def inert(text: str) -> bool:
    """``text`` is letters, digits, ``_@-`` and single dots, no ``--``: no signature can match.

    Ids, numbers, slugs, e-mail-like names and dotted versions are most of an API's
    strings; every signature needs a quote, space, bracket, slash, ``%`` or ``..``.
    """
    return _INERT.fullmatch(text) is not None and "--" not in text  # "1--" is SQL


def sql(text: str) -> bool:
    """libinjection reads ``text`` as an SQL injection."""
    return bool(libinjection.is_sql_injection(text)["is_sqli"])


def template(text: str) -> bool:
    """``text`` holds template syntax that evaluates something."""
    return _TEMPLATE.search(text) is not None


def traversal(text: str) -> bool:
    """``text`` holds a ``..`` path segment, also once to thrice percent-encoded or overlong."""
    for _ in range(3):
        if _TRAVERSAL.search(text.replace("%c0%ae", ".").replace("\x00", "")):
            return True
        decoded = unquote(text)
        if decoded == text:
            return False
        text = decoded
    return False


DETECTORS: dict[Signature, Callable[[str], bool]] = {
    Signature.SQL: sql,
    Signature.TEMPLATE: template,
    Signature.TRAVERSAL: traversal,
}
