"""Small questions asked of Python syntax trees by every code rule."""

from __future__ import annotations

import ast
from collections.abc import Iterator

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


def dotted(node: ast.AST) -> str:
    """``a.b.c`` for a name or attribute chain (calls in between read as ``a()``), else ``""``."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else node.attr
    if isinstance(node, ast.Call):
        base = dotted(node.func)
        return f"{base}()" if base else ""
    return ""


def last_name(node: ast.AST) -> str:
    """The final segment of a dotted name: ``requests.get`` -> ``get``."""
    return dotted(node).rsplit(".", 1)[-1].removesuffix("()")


def keyword(call: ast.Call, name: str) -> ast.expr | None:
    """The value of keyword argument ``name`` in ``call``, if given."""
    return next((kw.value for kw in call.keywords if kw.arg == name), None)


def is_constant(node: ast.AST | None, value: object) -> bool:
    """Whether ``node`` is the literal ``value`` (``True`` is not ``1`` here)."""
    return (
        isinstance(node, ast.Constant) and type(node.value) is type(value) and node.value == value
    )


def text(node: ast.AST | None) -> str | None:
    """The value of a str or bytes literal, as str; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str | bytes):
        value = node.value
        return value.decode("latin-1") if isinstance(value, bytes) else value
    return None


def strings(node: ast.AST | None) -> list[str]:
    """Every str literal directly in a list, tuple or set literal (or the literal itself)."""
    if isinstance(node, ast.List | ast.Tuple | ast.Set):
        return [s for s in (text(elt) for elt in node.elts) if s is not None]
    single = text(node)
    return [single] if single is not None else []


def calls(tree: ast.AST) -> Iterator[ast.Call]:
    """Every call in ``tree``."""
    return (node for node in ast.walk(tree) if isinstance(node, ast.Call))


def functions(tree: ast.AST) -> Iterator[FunctionNode]:
    """Every function or method defined anywhere in ``tree``."""
    return (node for node in ast.walk(tree) if isinstance(node, FunctionNode))


def names_in(node: ast.AST) -> set[str]:
    """Every plain name read anywhere inside ``node``."""
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def parameters(function: FunctionNode) -> list[ast.arg]:
    """Every parameter of ``function``, positional, keyword and starred."""
    args = function.args
    every = [*args.posonlyargs, *args.args, *args.kwonlyargs]
    every += [a for a in (args.vararg, args.kwarg) if a is not None]
    return every


def module_assignments(tree: ast.Module) -> Iterator[tuple[str, ast.expr]]:
    """``(name, value)`` for each module-level ``name = value`` (and annotated ones)."""
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    yield target.id, node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            yield node.target.id, node.value
