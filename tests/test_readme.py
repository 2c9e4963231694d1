"""Every YAML and JSON example in the README is valid as written, for the loader it shows.

A fenced ``yaml``/``json`` block is classified by its top-level keys and handed, as a
file, to the real loader of that kind. A block of no known kind fails, unless the line
before its fence is ``<!-- fragment -->`` (then it only has to parse). ``${VAR}``s in a
block are set in the environment first. A new kind of example is one line in ``KINDS``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from tests.conftest import ROOT
from tests.report.samples import bola_finding, full_report, injection_finding, static_finding

from apiward.audit.contract.registry import RULES
from apiward.core.errors import ApiwardError
from apiward.core.redact import Redactor
from apiward.guard.policy import Policy
from apiward.guard.policy_schema import POLICY_SCHEMA
from apiward.report import FORMATS
from apiward.scan import read_identities_file
from apiward.scan.checks import builtin_checks
from apiward.scan.config_file import read_scan_config
from apiward.spec import load

README = ROOT / "README.md"
FRAGMENT = "<!-- fragment -->"
_FENCE = re.compile(r"^```(yaml|yml|json)\s*$")
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Example:
    """One fenced block: where it starts, its language, its text, and whether it is a fragment."""

    line: int
    language: str
    text: str
    fragment: bool


def examples(markdown: str) -> list[Example]:
    """The fenced yaml/json blocks of a Markdown text, in order."""
    lines = markdown.splitlines()
    found: list[Example] = []
    index = 0
    while index < len(lines):
        opened = _FENCE.match(lines[index])
        if opened is None:
            index += 1
            continue
        end = next(i for i in range(index + 1, len(lines)) if lines[i].startswith("```"))
        before = next((lines[i].strip() for i in range(index - 1, -1, -1) if lines[i].strip()), "")
        body = "\n".join(lines[index + 1 : end]) + "\n"
        found.append(
            Example(line=index + 1, language=opened[1], text=body, fragment=before == FRAGMENT)
        )
        index = end + 1
    return found


def parse(example: Example) -> Any:
    """The block's data, parsed as its fence says; not parsing fails on the README line."""
    try:
        if example.language == "json":
            return json.loads(example.text)
        return yaml.safe_load(example.text)
    except json.JSONDecodeError as error:
        where, problem = example.line + error.lineno, error.msg
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = example.line + (mark.line + 1 if mark is not None else 0)
        problem = str(getattr(error, "problem", error))
    raise AssertionError(f"README.md:{where}: not valid {example.language}: {problem}")


# What the real JSON writer writes, as nested key sets (lists merge their items).
def _shape(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _shape(item) for key, item in value.items()}
    if isinstance(value, list):
        merged: Any = None
        for item in value:
            merged = _merge(merged, _shape(item))
        return [merged]
    return None


def _merge(a: Any, b: Any) -> Any:
    if isinstance(a, dict) and isinstance(b, dict):
        return {key: _merge(a.get(key), b.get(key)) for key in a.keys() | b.keys()}
    return a if b is None else b


def _report_shape() -> dict[str, Any]:
    report = full_report(bola_finding(), static_finding(), injection_finding())
    shape: dict[str, Any] = _shape(json.loads(FORMATS.get("json")(report, Redactor())))
    return shape


REPORT = _report_shape()


def _fits(example: Any, shape: Any, pointer: str) -> None:
    """Fail unless every key of ``example`` is one the writer writes at the same place."""
    if isinstance(example, dict) and isinstance(shape, dict):
        for key, value in example.items():
            assert key in shape, f"{pointer}/{key} is not a field of the JSON report"
            _fits(value, shape[key], f"{pointer}/{key}")
    elif isinstance(example, list) and isinstance(shape, list):
        for number, item in enumerate(example):
            _fits(item, shape[0], f"{pointer}/{number}")


def _scan_config(path: Path, data: Any) -> None:
    read_scan_config(path)


def _identities(path: Path, data: Any) -> None:
    read_identities_file(path)


def _policy(path: Path, data: Any) -> None:
    authorization = data.get("authorization") or {}
    named = {authorization.get("roles_hook")} | {
        rule.get("hook") for rule in authorization.get("ownership", ())
    }
    Policy.load(path, hooks={name: _hook for name in named if isinstance(name, str)})


async def _hook(*args: Any) -> None:
    """A stand-in for the application's authorization hooks."""


def _openapi(path: Path, data: Any) -> None:
    load(path, remote_refs=False, strict=True)


def _report(path: Path, data: Any) -> None:
    _fits(data, REPORT, "")


def _finding(path: Path, data: Any) -> None:
    _fits(data, REPORT["findings"][0], "/findings/0")


@dataclass(frozen=True, slots=True, kw_only=True)
class Kind:
    """A kind of example: how to recognise it by its top-level keys, and its real loader."""

    name: str
    matches: Callable[[set[str]], bool]
    check: Callable[[Path, Any], None]


# First match wins: a report also has a target, a scan config also names identities.
KINDS = (
    Kind(name="JSON report", matches=lambda keys: "schema_version" in keys, check=_report),
    Kind(name="report finding", matches=lambda keys: {"check", "severity"} <= keys, check=_finding),
    Kind(name="OpenAPI contract", matches=lambda keys: bool(keys & {"openapi", "swagger"}), check=_openapi),
    Kind(name="scan config", matches=lambda keys: bool(keys & {"spec", "target"}), check=_scan_config),
    Kind(name="identities file", matches=lambda keys: "identities" in keys, check=_identities),
    Kind(name="guard policy", matches=lambda keys: keys <= set(POLICY_SCHEMA["properties"]), check=_policy),
)  # fmt: skip


def kind_of(data: Any) -> Kind | None:
    """The first kind whose keys the block's top level has, or None."""
    if not isinstance(data, dict) or not data:
        return None
    keys = set(data)
    return next((kind for kind in KINDS if kind.matches(keys)), None)


def _checked(example: Example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Kind:
    for name in _ENV.findall(example.text):
        monkeypatch.setenv(name, f"example-{name.lower()}")
    data = parse(example)
    kind = kind_of(data)
    assert kind is not None, (
        f"README.md:{example.line}: a {example.language} example of no known kind "
        f"(top-level keys {sorted(data) if isinstance(data, dict) else type(data).__name__}); "
        f"add its kind to tests/test_readme.py or put {FRAGMENT} on the line before it"
    )
    path = tmp_path / f"example.{example.language}"
    path.write_text(example.text, encoding="utf-8")
    kind.check(path, data)
    return kind


EXAMPLES = examples(README.read_text(encoding="utf-8"))


@pytest.mark.parametrize("example", EXAMPLES, ids=[f"README.md:{e.line}" for e in EXAMPLES])
def test_every_example_is_valid_for_the_loader_it_shows(
    example: Example, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A yaml/json block is of a known kind its real loader accepts (a fragment: it parses)."""
    if example.fragment:
        parse(example)
    else:
        _checked(example, tmp_path, monkeypatch)


def test_the_readme_shows_identities_and_policies() -> None:
    """The extractor finds the README's examples (so the tests above cannot pass on none)."""
    kinds = {kind.name for e in EXAMPLES if (kind := kind_of(parse(e))) is not None}
    assert {"identities file", "guard policy"} <= kinds


def test_a_block_of_no_known_kind_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An unmarked block whose keys no loader reads is refused, naming its README line."""
    stray = Example(line=7, language="yaml", text="colour: blue\n", fragment=False)
    with pytest.raises(AssertionError, match=r"README\.md:7: a yaml example of no known kind"):
        _checked(stray, tmp_path, monkeypatch)


def test_an_invalid_example_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unquoted ${VAR} inside a YAML flow mapping (the old identities example) is refused."""
    text = "identities:\n  - name: a\n    headers: {X-Key: ${KEY}}\n"
    broken = Example(line=1, language="yaml", text=text, fragment=False)
    with pytest.raises(AssertionError, match=r"README\.md:4: not valid yaml: expected ','"):
        _checked(broken, tmp_path, monkeypatch)


def test_an_example_its_loader_refuses_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A policy example with a value the policy loader refuses fails with the loader's error."""
    wrong = Example(line=1, language="yaml", text="routes: {unknown: Refuse}\n", fragment=False)
    with pytest.raises(ApiwardError, match="/routes/unknown"):
        _checked(wrong, tmp_path, monkeypatch)


def test_a_report_example_with_an_unknown_field_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A JSON report example may only use fields the JSON writer writes."""
    text = json.dumps({"schema_version": 1, "findings": [{"check": "bola", "sevrity": "high"}]})
    typo = Example(line=1, language="json", text=text, fragment=False)
    with pytest.raises(AssertionError, match=r"/findings/0/sevrity is not a field"):
        _checked(typo, tmp_path, monkeypatch)


def test_fragments_are_recognised_by_the_marker() -> None:
    """Only a block whose previous non-blank line is the marker is a fragment."""
    text = f"{FRAGMENT}\n\n```yaml\na: 1\n```\n\n```json\n{{}}\n```\n"
    assert [e.fragment for e in examples(text)] == [True, False]


def test_an_openapi_example_goes_through_the_spec_loader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An OpenAPI snippet is loaded strictly: a dangling $ref in it fails the example."""
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/a": {"get": {"responses": {"200": {"$ref": "#/components/responses/Gone"}}}}},
    }
    dangling = Example(line=1, language="json", text=json.dumps(spec), fragment=False)
    with pytest.raises(ApiwardError, match="does not resolve"):
        _checked(dangling, tmp_path, monkeypatch)
    del spec["paths"]
    assert (
        _checked(
            Example(line=1, language="json", text=json.dumps(spec), fragment=False),
            tmp_path,
            monkeypatch,
        ).name
        == "OpenAPI contract"
    )


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ('{"schema_version": 1, "target": "http://127.0.0.1:8000", "findings": []}', "JSON report"),
        ("spec: openapi.yaml\nidentities: identities.yaml\n", "scan config"),
        ("identities: [{name: anonymous}]\n", "identities file"),
        ("routes: {unknown: refuse}\n", "guard policy"),
    ],
    ids=["report-with-target", "config-without-target", "identities", "policy"],
)
def test_blocks_are_classified_by_their_top_level_keys(text: str, kind: str) -> None:
    """Keys two kinds share (target, identities) do not send a block to the wrong loader."""
    found = kind_of(yaml.safe_load(text))
    assert found is not None
    assert found.name == kind


def test_readme_counts_of_checks_and_rules_are_current() -> None:
    """The README's number of scan checks and contract rules is what the registries hold."""
    text = README.read_text()
    checks = re.search(r"\*\*Checks\*\*: (\d+), registered in `BUILTIN`", text)
    rules = re.search(r"the way a reviewer reads it: (\d+) rules", text)
    assert checks is not None
    assert rules is not None
    assert int(checks.group(1)) == len(builtin_checks())
    assert int(rules.group(1)) == len(RULES)
