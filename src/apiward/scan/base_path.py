"""The contract's base path, when the target is given as a bare origin.

A Swagger 2.0 ``basePath: /v1`` (or OpenAPI ``servers: [{url: /v1}]``) puts every path of
the contract under ``/v1``; a user who gives ``--target http://127.0.0.1:29480`` means the
API there, and got every login answered 404 and a scan that ran anonymously (the Koa
trial). So a target with no path of its own takes the base path every server of the
contract agrees on, and the report says so; a target with a path is used as given.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from apiward.spec import Api


def based(target: str, api: Api) -> tuple[str, str | None]:
    """``target`` with the contract's base path when it has none, and the note saying so."""
    if urlsplit(target).path.strip("/"):
        return target, None
    paths = {_path(server.url, server.variables) for server in api.servers}
    if len(paths) != 1:
        return target, None
    (path,) = paths
    if not path:
        return target, None
    based_target = target.rstrip("/") + path
    note = (
        f"requests go to {based_target}: the contract's base path is {path} "
        "(give --target with a path of its own to choose another)"
    )
    return based_target, note


def _path(url: str, variables: Mapping[str, str]) -> str:
    """The path of a server URL, template variables at their defaults, without its end slash."""
    for name, value in variables.items():
        url = url.replace("{" + name + "}", value)
    try:
        path = urlsplit(url).path
    except ValueError:
        return ""
    return "" if "{" in path else path.rstrip("/")
