"""Swagger 2.0 pieces that have no direct OpenAPI 3 counterpart, turned into 3.x shapes.

``host``/``basePath``/``schemes`` become server URLs; ``in: body`` becomes a request
body for each ``consumes`` media type (default ``application/json``); ``in:
formData`` parameters become one object schema under ``multipart/form-data`` (when
a file is uploaded or the operation consumes it) or
``application/x-www-form-urlencoded``; ``collectionFormat`` becomes style/explode.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from apiward.spec.model import Server

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
DEFAULT_MEDIA = ("application/json",)

# Keys of a non-body 2.0 parameter that describe the parameter, not its value.
_NOT_SCHEMA = frozenset(
    {"name", "in", "description", "required", "collectionFormat", "allowEmptyValue"}
)

_STYLES: dict[str, tuple[str, bool]] = {
    "csv": ("form", False),
    "multi": ("form", True),
    "ssv": ("spaceDelimited", False),
    "pipes": ("pipeDelimited", False),
}


def servers(root: dict[str, Any], source_uri: str) -> tuple[Server, ...]:
    """Server URLs from ``schemes`` × ``host`` + ``basePath``.

    Without ``schemes`` the scheme the spec was fetched with is used (the 2.0 rule),
    and ``https`` for a spec read from a file; without ``host`` the URL is relative.
    """
    base = root.get("basePath") if isinstance(root.get("basePath"), str) else ""
    base = "/" + str(base).strip("/") if base and base != "/" else ""
    host = root.get("host")
    if not isinstance(host, str) or not host:
        return (Server(url=base or "/"),)
    fetched = urlsplit(source_uri).scheme
    default = [fetched] if fetched in ("http", "https") else ["https"]
    declared = root.get("schemes")
    schemes = declared if isinstance(declared, list) else default
    urls = [f"{s}://{host.rstrip('/')}{base}" for s in schemes if s in ("http", "https")]
    return tuple(Server(url=url) for url in urls) or (Server(url=f"https://{host}{base}"),)


def parameter_schema(raw: dict[str, Any]) -> dict[str, Any]:
    """The value schema of a non-body 2.0 parameter (its type, format, bounds...)."""
    return {k: v for k, v in raw.items() if k not in _NOT_SCHEMA}


def style(raw: dict[str, Any]) -> tuple[str | None, bool | None]:
    """The 3.x style and explode equivalent to a 2.0 ``collectionFormat``."""
    found = _STYLES.get(str(raw.get("collectionFormat")))
    if found is None:
        return None, None
    name, explode = found
    if name == "form" and raw.get("in") in ("path", "header"):
        name = "simple"
    return name, explode


def media_types(operation: dict[str, Any], root: dict[str, Any], key: str) -> tuple[str, ...]:
    """``consumes`` or ``produces`` of an operation, inherited from the root."""
    for scope in (operation, root):
        value = scope.get(key)
        if isinstance(value, list) and value:
            return tuple(str(v) for v in value)
    return DEFAULT_MEDIA


def form_media_types(consumes: tuple[str, ...], has_file: bool) -> tuple[str, ...]:
    """The form media types a formData request body is sent as."""
    declared = tuple(c for c in consumes if c.split(";")[0].strip() in FORM_TYPES)
    if declared:
        return declared
    return (FORM_TYPES[1],) if has_file else (FORM_TYPES[0],)


def form_schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    """The object schema of the formData parameters of one operation."""
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema
