"""Routes declared the Falcon way, and whether each asks for a caller.

Falcon routes a path to a resource object, ``app.add_route("/orders/{id}", Order())``
(``suffix="collection"`` picks ``on_get_collection``), and each ``on_<verb>`` method of the
resource's class answers one method. A responder counts as authenticated when it reads
the caller itself (``req.context.user``, ``req.auth``, the ``Authorization`` header), when
a ``@falcon.before(hook)`` on it or its class runs an auth-like hook, or when the app it is
added to was made with a middleware whose class is auth-like or whose
``process_request``/``process_resource`` reads the caller. Resources and apps are looked up
in the file that adds the route.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from apiward.audit.code.astutil import calls, dotted, keyword, last_name, module_assignments, text
from apiward.audit.code.routes import AUTH_LIKE, Route, checks_caller
from apiward.audit.code.source import Project, SourceFile

_APPS = frozenset({"App", "API"})  # falcon.App, falcon.asgi.App, Falcon 2's falcon.API
_HOOKED = ("process_request", "process_resource")
_VERBS = ("get", "post", "put", "patch", "delete", "head", "options")


def routes(project: Project) -> Iterator[Route]:
    """Every ``add_route`` of the project, one Route per responder the resource has."""
    for source in project.files:
        classes = {n.name: n for n in ast.walk(source.tree) if isinstance(n, ast.ClassDef)}
        made = dict(module_assignments(source.tree))
        for call in calls(source.tree):
            if last_name(call.func) != "add_route" or len(call.args) < 2:
                continue
            path, resource = text(call.args[0]), _class_of(call.args[1], made, classes)
            if path is None or resource is None:
                continue
            owner = call.func.value if isinstance(call.func, ast.Attribute) else None
            app = made.get(dotted(owner)) if owner is not None else None
            guarded = _guarded_app(app, classes) or _hooked(resource.decorator_list)
            suffix = text(keyword(call, "suffix"))
            yield from _responders(source, path, resource, suffix, guarded)


def _responders(
    source: SourceFile,
    path: str,
    resource: ast.ClassDef,
    suffix: str | None,
    guarded: bool,
) -> Iterator[Route]:
    verbs = {f"on_{verb}" + (f"_{suffix}" if suffix else ""): verb for verb in _VERBS}
    for method in resource.body:
        if not isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        verb = verbs.get(method.name)
        if verb is not None:
            yield Route(
                source=source,
                line=method.lineno,
                methods=(verb.upper(),),
                path=path,
                authenticated=guarded or _hooked(method.decorator_list) or checks_caller(method),
            )


def _class_of(
    node: ast.AST, made: dict[str, ast.expr], classes: dict[str, ast.ClassDef]
) -> ast.ClassDef | None:
    """The class of a resource given as ``Order()`` or as a name bound to one."""
    if isinstance(node, ast.Name) and node.id in made:
        node = made[node.id]
    return classes.get(last_name(node.func)) if isinstance(node, ast.Call) else None


def _guarded_app(app: ast.expr | None, classes: dict[str, ast.ClassDef]) -> bool:
    """Whether the app was made with middleware that authenticates every request."""
    if not isinstance(app, ast.Call) or last_name(app.func) not in _APPS:
        return False
    middleware = keyword(app, "middleware")
    parts = middleware.elts if isinstance(middleware, ast.List | ast.Tuple) else [middleware]
    for part in parts:
        if not isinstance(part, ast.Call):
            continue
        name = last_name(part.func)
        if AUTH_LIKE.search(name):
            return True
        made = classes.get(name)
        if made is not None and any(
            isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
            and f.name in _HOOKED
            and checks_caller(f)
            for f in made.body
        ):
            return True
    return False


def _hooked(decorators: list[ast.expr]) -> bool:
    """``@falcon.before(authenticate)`` (or any ``before`` hook with an auth-like name)."""
    return any(
        isinstance(d, ast.Call)
        and last_name(d.func) == "before"
        and bool(d.args)
        and bool(AUTH_LIKE.search(last_name(d.args[0])))
        for d in decorators
    )
