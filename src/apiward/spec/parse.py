"""Text to data: JSON or YAML through safe loaders only, with line numbers on errors.

YAML goes through libyaml's ``CSafeLoader`` for speed and falls back to the pure
``SafeLoader`` when libyaml refuses the text (a few real specs need it). Both are
subclassed the same two ways, neither of which can construct arbitrary objects:

* timestamps stay strings: an OpenAPI document is JSON data, and real specs hold
  invalid dates (``second must be in 0..59``) that would otherwise fail to load;
* only ``true``/``false`` are booleans (YAML 1.2, as OpenAPI asks): YAML 1.1 would
  turn a property named ``no`` or an enum value ``NO`` (Norway) into ``False``;
* the bare ``=`` value (YAML 1.1's ``tag:yaml.org,2002:value``) reads as ``"="``.
"""

from __future__ import annotations

import json
import re
from typing import Any

import yaml

from apiward.core.aliases import too_big
from apiward.core.errors import SpecError

_VALUE_TAG = "tag:yaml.org,2002:value"
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
_BOOL_TAG = "tag:yaml.org,2002:bool"
_BOOL_12 = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")


def _json_like(
    resolvers: dict[Any, list[tuple[str, Any]]],
) -> dict[Any, list[tuple[str, Any]]]:
    """Implicit resolvers without timestamps and with YAML 1.2 booleans."""
    return {
        first: [
            (tag, _BOOL_12 if tag == _BOOL_TAG else regexp)
            for tag, regexp in entries
            if tag != _TIMESTAMP_TAG
        ]
        for first, entries in resolvers.items()
    }


def _construct_equals(loader: yaml.SafeLoader, node: yaml.Node) -> str:
    return "="


class _SafeLoader(yaml.SafeLoader):
    """PyYAML's pure safe loader, with dates as strings and ``=`` as a string."""

    yaml_implicit_resolvers = _json_like(yaml.SafeLoader.yaml_implicit_resolvers)


_SafeLoader.add_constructor(_VALUE_TAG, _construct_equals)

_CBase: Any = getattr(yaml, "CSafeLoader", None)


if _CBase is not None:

    class _CSafeLoader(_CBase):  # type: ignore[misc]
        """libyaml's safe loader, with dates as strings and ``=`` as a string."""

        yaml_implicit_resolvers = _json_like(yaml.SafeLoader.yaml_implicit_resolvers)

    _CSafeLoader.add_constructor(_VALUE_TAG, _construct_equals)
    _LOADERS: tuple[Any, ...] = (_CSafeLoader, _SafeLoader)
else:  # pragma: no cover - libyaml is present in every supported wheel
    _LOADERS = (_SafeLoader,)


def parse(text: str, *, source: str) -> Any:
    """Parse JSON or YAML ``text`` into plain data; errors become one-line SpecErrors."""
    if _is_html(text):
        # A docs page (Swagger UI, ReDoc) given for its contract; YAML's error would mislead.
        raise SpecError(
            "an HTML page, not an OpenAPI document: give the contract's own URL or file "
            "(often /openapi.json)",
            source=source,
        )
    if text.lstrip().startswith(("{", "[")):
        try:
            return json.loads(text)
        except json.JSONDecodeError as error:
            if _looks_like_json_only(text):
                raise SpecError(
                    f"invalid JSON: {error.msg}", source=source, line=error.lineno
                ) from None
            # Flow-style YAML also starts with a brace; let the YAML parser decide.
        except ValueError as error:  # valid syntax, refused value: a 5,000-digit integer
            what = str(error).split(";")[0]
            raise SpecError(f"invalid JSON value: {what}", source=source) from None
    return _parse_yaml(text, source=source)


def _is_html(text: str) -> bool:
    """Whether ``text`` opens as an HTML page does (``<!doctype html`` or ``<html``)."""
    opening = text.lstrip("\ufeff \t\r\n")[:14].lower()
    return opening.startswith(("<!doctype html", "<html"))


def _looks_like_json_only(text: str) -> bool:
    """A document that starts with ``{"`` is JSON in intent; YAML's error would mislead."""
    return text.lstrip().startswith(('{"', "[")) or text.lstrip()[1:].lstrip().startswith('"')


def _parse_yaml(text: str, *, source: str) -> Any:
    first_error: yaml.YAMLError | None = None
    for loader_class in _LOADERS:
        try:
            return _load(loader_class, text, source=source)
        except yaml.YAMLError as error:
            first_error = first_error or error
        except ValueError as error:  # a constructor refusing a value (e.g. an int overflow)
            raise SpecError(f"invalid YAML value: {error}", source=source) from None
    raise _yaml_error(first_error, text, source=source)


def _load(loader_class: Any, text: str, *, source: str) -> Any:
    """``yaml.load`` in its two steps, to weigh the aliases before building anything."""
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is not None and too_big(node, text):
            raise SpecError(
                "YAML aliases expand to too many values (an alias bomb?)", source=source
            )
        return loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


def _yaml_error(error: yaml.YAMLError | None, text: str, *, source: str) -> SpecError:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    problem = getattr(error, "problem", None) or str(error)
    if isinstance(error, yaml.reader.ReaderError):
        problem = f"unacceptable character #x{error.character:04x}"
        # libyaml reports a character offset here, not a line; count the lines.
        line = text.count("\n", 0, error.position) + 1 if isinstance(error.position, int) else None
        return SpecError(f"invalid YAML: {problem}", source=source, line=line)
    line = mark.line + 1 if mark is not None else None
    return SpecError(f"invalid YAML: {' '.join(str(problem).split())}", source=source, line=line)


def compose(text: str) -> yaml.Node | None:
    """The YAML node tree of ``text`` (positions only, no objects), or None if unreadable."""
    try:
        return yaml.compose(text, Loader=_SafeLoader)
    except yaml.YAMLError:
        return None


def line_of(tree: yaml.Node | None, pointer: str) -> int | None:
    """The 1-based line where ``pointer`` is in a composed document, as near as it gets."""
    node = tree
    line = node.start_mark.line + 1 if node is not None else None
    for part in (p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]):
        node = _child(node, part)
        if node is None:
            break
        line = node.start_mark.line + 1
    return line


def _child(node: yaml.Node | None, part: str) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == part:
                return value  # type: ignore[no-any-return]
    if isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
        return node.value[int(part)]  # type: ignore[no-any-return]
    return None
