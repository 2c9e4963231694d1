"""Every spec of the real-world corpus loads with the manifest's operation count, or fails cleanly.

The manifest counts the operations under ``paths`` only (the eight HTTP methods; not
webhooks, callbacks or ``x-ms-paths``), as the model does. Remote ``$ref``s are not
followed here (tests stay on 127.0.0.1); they become warnings.
"""

from __future__ import annotations

import csv
import os
from typing import Any

import pytest
from tests.conftest import SHARED

from apiward.core.errors import SpecError
from apiward.spec import Api, load

CORPUS = SHARED / "data" / "openapi-corpus"
MANIFEST = CORPUS / "MANIFEST.tsv"


def _dangling_table_refs(api: Api) -> set[str]:
    """Table keys referenced by the model's schemas that the table does not hold."""
    roots: list[Any] = list(api.schemas.values())
    for op in api.operations:
        roots += [p.schema for p in op.parameters]
        roots += list(op.request_body.content.values()) if op.request_body else []
        for response in op.responses.values():
            roots += [*response.content.values(), *response.headers.values()]
    found: set[str] = set()
    stack = roots
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                found.add(ref.removeprefix("#/$defs/"))
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found - set(api.schemas)


def _entries() -> list[dict[str, str]]:
    if not MANIFEST.is_file():
        return [{"file": "", "operations": ""}]
    with MANIFEST.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


@pytest.mark.slow
@pytest.mark.parametrize("entry", _entries(), ids=lambda entry: entry["file"] or "missing")
def test_corpus_spec_loads_or_fails_cleanly(entry: dict[str, str]) -> None:
    """A spec with a count in the manifest loads with that many operations; others may fail in one line."""
    if not entry["file"]:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the OpenAPI corpus is missing: {MANIFEST}")
        pytest.skip(f"the OpenAPI corpus is missing: {MANIFEST}")
    path = CORPUS / entry["file"].rstrip("/")
    expected = entry["operations"]
    try:
        api = load(path, remote_refs=False)
    except SpecError as error:
        failure: SpecError | None = error
    else:
        failure = None
        if expected:
            assert len(api.operations) == int(expected)
        assert all("\n" not in warning for warning in api.warnings)
        assert _dangling_table_refs(api) == set()
    if failure is not None:
        message = str(failure)
        assert not expected, f"expected {expected} operations, got: {message}"
        assert "\n" not in message
        assert message.startswith(str(path))
        assert failure.line is not None or failure.pointer is not None, message
