"""Routes declared in FastAPI, Starlette and Flask code, and whether each asks for a caller.

A FastAPI route counts as authenticated when a ``Security(...)`` or an auth-like
``Depends(...)`` guards it: in a handler parameter (directly, or through an
``Annotated`` alias such as ``CurrentUser = Annotated[User, Depends(current_user)]``
defined in any module of the project), in the decorator's ``dependencies=``, on its
``APIRouter(dependencies=...)``/``FastAPI(dependencies=...)``, or where the router is
included with ``include_router(router, dependencies=...)``. Flask routes count when a
decorator is auth-like (``login_required``, ``jwt_required``...) or their blueprint or
app has an auth-like ``before_request`` hook. Starlette ``Route``s count with
``@requires(...)`` or when the endpoint reads ``request.user``/``request.auth``.
Falcon's resources are falcon_routes.py's.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from apiward.audit.code.astutil import (
    FunctionNode,
    calls,
    dotted,
    functions,
    keyword,
    last_name,
    module_assignments,
    parameters,
    strings,
    text,
)
from apiward.audit.code.source import Project, SourceFile

AUTH_LIKE = re.compile(
    r"auth|user|login|token|jwt|bearer|principal|identity|credential|permission|scope"
    r"|role|admin|staff|api_?key|oauth|signature|^me$|require",
    re.IGNORECASE,
)
SECURITY_CLASSES = frozenset(
    {
        "HTTPBearer",
        "HTTPBasic",
        "HTTPDigest",
        "OAuth2",
        "OAuth2PasswordBearer",
        "OAuth2AuthorizationCodeBearer",
        "OpenIdConnect",
        "APIKeyHeader",
        "APIKeyQuery",
        "APIKeyCookie",
    }
)
ROUTERS = frozenset({"FastAPI", "APIRouter", "Flask", "Blueprint"})
VERBS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "route", "api_route", "websocket"}
)
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Route:
    """One route handler: where it is, its method and path, and whether it is authenticated."""

    source: SourceFile
    line: int
    methods: tuple[str, ...]
    path: str
    authenticated: bool

    @property
    def writes(self) -> bool:
        """Whether the route changes state (POST, PUT, PATCH, DELETE)."""
        return bool(WRITES.intersection(self.methods))


def same(a: str, b: str) -> bool:
    """Whether two dotted names mean the same object (one may lack the other's package prefix)."""
    return a == b or a.endswith(f".{b}") or b.endswith(f".{a}")


class AuthIndex:
    """What counts as authentication across the whole project, computed once."""

    def __init__(self, project: Project) -> None:
        self.project = project
        self.schemes: set[str] = set()  # module-level HTTPBearer() & co
        self.aliases: dict[str, tuple[SourceFile, ast.expr]] = {}  # Annotated[...] aliases
        self.routers: dict[str, tuple[SourceFile, ast.Call]] = {}  # FastAPI(), APIRouter()...
        self.hooked: set[str] = set()  # Flask apps/blueprints with an auth-like before_request
        self.guarded: set[str] = set()  # routers whose every route needs a caller
        for source in project.files:
            self._index(source)
        self.guarded |= {n for n, (s, c) in self.routers.items() if self._made_guarded(s, c)}
        for _ in range(3):  # app -> router -> sub-router
            for source in project.files:
                self._index_includes(source)

    def _index(self, source: SourceFile) -> None:
        for name, value in module_assignments(source.tree):
            qualified = f"{source.module}.{name}"
            if isinstance(value, ast.Call) and last_name(value.func) in SECURITY_CLASSES:
                self.schemes.add(qualified)
            elif isinstance(value, ast.Subscript) and last_name(value.value) == "Annotated":
                self.aliases[qualified] = (source, value)
            elif isinstance(value, ast.Call) and last_name(value.func) in ROUTERS:
                self.routers[qualified] = (source, value)
        for function in functions(source.tree):
            for decorator in function.decorator_list:
                if last_name(decorator) == "before_request" and checks_caller(function):
                    self.hooked.add(self.qualify(source, _receiver(decorator)))

    def _made_guarded(self, source: SourceFile, made: ast.Call) -> bool:
        return self.guards(source, keyword(made, "dependencies"))

    def _index_includes(self, source: SourceFile) -> None:
        for call in calls(source.tree):
            if last_name(call.func) not in {"include_router", "register_blueprint"}:
                continue
            if not call.args:
                continue
            parent = self.qualify(source, _receiver(call.func))
            if self.guards(source, keyword(call, "dependencies")) or self._in(self.guarded, parent):
                self.guarded.add(self.qualify(source, call.args[0]))

    def qualify(self, source: SourceFile, node: ast.AST) -> str:
        """The project-wide dotted name of a name used in ``source``."""
        name = dotted(node)
        head, _, rest = name.partition(".")
        if head in source.imports:
            base = source.imports[head]
            return f"{base}.{rest}" if rest else base
        return f"{source.module}.{name}"

    @staticmethod
    def _in(names: set[str] | dict[str, object], name: str) -> bool:
        return any(same(known, name) for known in names)

    def guards(self, source: SourceFile, node: ast.AST | None, depth: int = 0) -> bool:
        """Whether ``node`` (an annotation, default or dependency list) demands a caller."""
        if node is None or depth > 3:
            return False
        for inner in ast.walk(node):
            if isinstance(inner, ast.Call) and last_name(inner.func) == "Security":
                return True
            if (
                isinstance(inner, ast.Call)
                and last_name(inner.func) == "Depends"
                and inner.args
                and self._auth_dependency(source, inner.args[0])
            ):
                return True
            if isinstance(inner, ast.Name | ast.Attribute) and self._alias_guards(
                self.qualify(source, inner), depth
            ):
                return True
        return False

    def _alias_guards(self, name: str, depth: int) -> bool:
        found = next((v for k, v in self.aliases.items() if same(k, name)), None)
        return found is not None and self.guards(found[0], found[1], depth + 1)

    def _auth_dependency(self, source: SourceFile, target: ast.AST) -> bool:
        if self._in(self.schemes, self.qualify(source, target)):
            return True
        return bool(AUTH_LIKE.search(last_name(target)))

    def router_guarded(self, source: SourceFile, router: ast.AST) -> bool:
        """Whether every route on ``router`` is authenticated by the router or app itself."""
        name = self.qualify(source, router)
        return self._in(self.guarded, name) or self._in(self.hooked, name)


def _receiver(node: ast.AST) -> ast.AST:
    """``app`` in ``app.get(...)`` or ``app.before_request``."""
    target = node.func if isinstance(node, ast.Call) else node
    return target.value if isinstance(target, ast.Attribute) else target


def checks_caller(function: FunctionNode) -> bool:
    """Whether a hook or endpoint reads who the caller is (auth-like name or request.user)."""
    if AUTH_LIKE.search(function.name):
        return True
    return any(
        (isinstance(node, ast.Attribute) and node.attr in {"user", "auth", "authorization"})
        or text(node) in {"Authorization", "authorization"}
        for node in ast.walk(function)
    )


def routes(project: Project) -> Iterator[Route]:
    """Every FastAPI, Flask and Starlette route in the project, with its authentication."""
    index = AuthIndex(project)
    for source in project.files:
        for function in functions(source.tree):
            yield from _decorated(index, source, function)
        yield from _starlette(source)


def _decorated(index: AuthIndex, source: SourceFile, function: FunctionNode) -> Iterator[Route]:
    for decorator in function.decorator_list:
        call = _route_call(decorator)
        if call is None:
            continue
        others = [d for d in function.decorator_list if d is not decorator]
        authenticated = (
            any(AUTH_LIKE.search(last_name(d)) for d in others)
            or index.guards(source, keyword(call, "dependencies"))
            or any(index.guards(source, a.annotation) for a in parameters(function))
            or any(index.guards(source, d) for d in _defaults(function))
            or index.router_guarded(source, _receiver(call))
        )
        yield Route(
            source=source,
            line=function.lineno,
            methods=_methods(call),
            path=_prefix(index, source, call) + (text(call.args[0]) or ""),
            authenticated=authenticated,
        )


def _route_call(node: ast.AST) -> ast.Call | None:
    """The decorator call when ``node`` is ``@x.get("/path")``, ``@bp.route("/p")``..."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in VERBS
        and node.args
        and (text(node.args[0]) or "x").startswith("/")
    ):
        return node
    return None


def _methods(call: ast.Call) -> tuple[str, ...]:
    verb = last_name(call.func)
    if verb in {"route", "api_route"}:
        return tuple(m.upper() for m in strings(keyword(call, "methods"))) or ("GET",)
    return ("WEBSOCKET",) if verb == "websocket" else (verb.upper(),)


def _prefix(index: AuthIndex, source: SourceFile, call: ast.Call) -> str:
    name = index.qualify(source, _receiver(call))
    made = next((c for n, (_, c) in index.routers.items() if same(n, name)), None)
    prefix = keyword(made, "prefix") or keyword(made, "url_prefix") if made else None
    return text(prefix) or ""


def _defaults(function: FunctionNode) -> list[ast.expr]:
    args = function.args
    return [*args.defaults, *(d for d in args.kw_defaults if d is not None)]


def _starlette(source: SourceFile) -> Iterator[Route]:
    """``Route("/path", endpoint)`` entries, judged by the endpoint function in the same file."""
    defined = {f.name: f for f in functions(source.tree)}
    for call in calls(source.tree):
        if last_name(call.func) != "Route" or len(call.args) < 2:
            continue
        endpoint = defined.get(last_name(call.args[1]))
        path = text(call.args[0])
        if endpoint is None or path is None:
            continue
        guarded = any(last_name(d) == "requires" for d in endpoint.decorator_list)
        yield Route(
            source=source,
            line=call.lineno,
            methods=tuple(m.upper() for m in strings(keyword(call, "methods"))) or ("GET",),
            path=path,
            authenticated=guarded or checks_caller(endpoint),
        )
