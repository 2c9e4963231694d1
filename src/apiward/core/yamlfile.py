"""The YAML of a configuration file (policy, identities, scan config), read one way.

The text is composed first and its aliases weighed (:mod:`apiward.core.aliases`) before
anything is built. Every way PyYAML fails on a hostile file — text that is not YAML,
nesting 100,000 deep, a value no constructor takes (a 5,000-digit integer, the date
2025-13-45) — is then one ConfigError naming the file and, where known, the line.
A key written twice in one mapping is refused too: YAML would keep the last one quietly,
and a policy whose second ``ratelimit:`` replaced the first is a protection gone unseen.
"""

from __future__ import annotations

from typing import Any

import yaml

from apiward.core.aliases import too_big
from apiward.core.errors import ConfigError


def compose(text: str, source: str) -> yaml.Node | None:
    """The node tree of ``text`` (None when empty); bad YAML, deep nesting, alias bombs refused."""
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
    except yaml.YAMLError as error:
        raise _not_yaml(error, source) from None
    except RecursionError:
        raise ConfigError("YAML nests too deeply to read", source=source) from None
    finally:
        loader.dispose()
    if root is not None and too_big(root, text):
        raise ConfigError("YAML aliases expand to too many values (an alias bomb?)", source=source)
    if root is not None:
        _refuse_repeated_keys(root, source)
    return root


def _refuse_repeated_keys(root: yaml.Node, source: str) -> None:
    """A ConfigError at the second of two equal plain keys in one mapping."""
    stack, seen = [root], set()
    while stack:
        node = stack.pop()
        if id(node) in seen:  # an alias: the same node, already looked at
            continue
        seen.add(id(node))
        if isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
        elif isinstance(node, yaml.MappingNode):
            first: dict[tuple[str, str], int] = {}
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.tag != "tag:yaml.org,2002:merge":
                    line = key.start_mark.line + 1
                    if (key.tag, key.value) in first:
                        raise ConfigError(
                            f"key {key.value!r} is written twice in one mapping "
                            f"(first on line {first[key.tag, key.value]})",
                            source=source,
                            line=line,
                        )
                    first[key.tag, key.value] = line
                stack.extend((key, value))


def construct(node: yaml.Node, source: str) -> Any:
    """The Python value ``node`` stands for; a value YAML cannot build names its line."""
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node)
    except yaml.YAMLError as error:
        raise _not_yaml(error, source) from None
    except RecursionError:
        raise ConfigError("YAML nests too deeply to read", source=source) from None
    except ValueError as error:  # a constructor refusing the text: int digits, a date
        bad = _first_unreadable(node) or node
        what = str(error).split(";")[0]
        line = bad.start_mark.line + 1
        raise ConfigError(f"not a readable value: {what}", source=source, line=line) from None
    finally:
        loader.dispose()


def _not_yaml(error: yaml.YAMLError, source: str) -> ConfigError:
    mark = getattr(error, "problem_mark", None)
    line = mark.line + 1 if mark is not None else None
    return ConfigError(
        f"not valid YAML: {getattr(error, 'problem', error)}", source=source, line=line
    )


def _first_unreadable(root: yaml.Node) -> yaml.Node | None:
    """The first scalar under ``root`` that no constructor takes (only looked for on error)."""
    stack, seen = [root], set()
    loader = yaml.SafeLoader("")
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            try:
                loader.construct_object(node)
            except ValueError:
                return node
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(reversed(node.value))
        elif isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in reversed(node.value) for part in reversed(pair))
    return None
