"""``load()``: a file, a folder or an http(s) URL in, one frozen :class:`Api` out.

Decisions a user of the model should know:

* Dangling ``$ref``s do not stop loading: the schema becomes ``{}`` (or the
  parameter, response or scheme is left out) and a one-line warning naming the file,
  the pointer of the ``$ref`` and its target goes to :attr:`Api.warnings`. Real specs
  often carry a few broken refs in corners the user does not care about; a guard or
  scan should still run. ``strict=True`` makes them SpecErrors instead.
* Remote ``$ref``s are fetched through the SSRF-safe client (``remote_refs=False``
  treats them as dangling, for offline use); private addresses need ``allow_private``,
  except on a ``trusted_origins`` entry (scheme, host and port the user named, such as
  the scan target serving its own ``/openapi.json``); nothing else is trusted by it.
* Every failure is a one-line :class:`SpecError` (or :class:`UnsafeAddressError`):
  file or URL, line or JSON pointer, what is wrong.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from apiward.core.errors import SpecError
from apiward.spec import security, swagger
from apiward.spec.documents import REMOTE, Documents, Node
from apiward.spec.exploded import exploded
from apiward.spec.folder import find_root
from apiward.spec.model import Api, Server, frozen
from apiward.spec.operations import Builder
from apiward.spec.schemas import SchemaTable
from apiward.spec.source import Origin, Source

_SUPPORTED = re.compile(r"^(2\.0|3\.[0-2](\.\d+)?(-[\w.]+)?)$")


def load(
    source: str | os.PathLike[str],
    *,
    allow_private: bool = False,
    trusted_origins: tuple[str, ...] = (),
    timeout: float = 10.0,
    max_bytes: int = 64 * 2**20,
    remote_refs: bool = True,
    strict: bool = False,
) -> Api:
    """Load a Swagger 2.0 or OpenAPI 3.x contract from a file, a folder or an http(s) URL."""
    return load_source(
        source,
        allow_private=allow_private,
        trusted_origins=trusted_origins,
        timeout=timeout,
        max_bytes=max_bytes,
        remote_refs=remote_refs,
        strict=strict,
    )[0]


def load_source(
    source: str | os.PathLike[str],
    *,
    allow_private: bool = False,
    trusted_origins: tuple[str, ...] = (),
    timeout: float = 10.0,
    max_bytes: int = 64 * 2**20,
    remote_refs: bool = True,
    strict: bool = False,
) -> tuple[Api, Source]:
    """Like :func:`load`, plus the root document as written (raw data, lines, schema origins)."""
    documents = Documents(
        allow_private=allow_private,
        trusted_origins=trusted_origins,
        timeout=timeout,
        max_bytes=max_bytes,
        remote_refs=remote_refs,
        strict=strict,
    )
    text = _local(os.fspath(source))
    try:
        if _scheme(text) not in REMOTE and Path(text).is_dir():
            text = str(find_root(Path(text), max_bytes=max_bytes))
        return _build(documents, text)
    except SpecError as error:
        raise documents.locate(error) from None
    except RecursionError:
        raise SpecError("document nests too deeply to load", source=text) from None


def _local(text: str) -> str:
    """A ``file:`` URL as its path; any other URL scheme but http(s) refused by name."""
    if "://" not in text:
        return text
    scheme = _scheme(text)
    if scheme == "file":
        return url2pathname(urlsplit(text).path)
    if scheme and scheme not in REMOTE:
        raise SpecError(
            f"unsupported URL scheme {scheme!r}: a contract is a file, a folder or an http(s) URL",
            source=text,
        )
    return text


def _scheme(text: str) -> str:
    try:
        return urlsplit(text).scheme
    except ValueError as error:
        raise SpecError(f"not a valid URL: {error}", source=text) from None


def _build(documents: Documents, source: str) -> tuple[Api, Source]:
    root = documents.root(source)
    name = documents.name(root.uri)
    if not isinstance(root.value, dict):
        raise SpecError("not an OpenAPI or Swagger document: not a mapping", source=name)
    spec_version = _spec_version(root, name)
    legacy = not spec_version.startswith(("3.1", "3.2"))
    table = SchemaTable(documents, legacy=legacy)
    for node in _component_schemas(root, spec_version):
        table.register(node)
    builder = Builder(root, documents, table)
    is_swagger = spec_version == "2.0"
    schemes_node = root.child("securityDefinitions" if is_swagger else "components")
    if not is_swagger:
        schemes_node = schemes_node.child("securitySchemes")
    schemes = security.schemes(schemes_node, documents)
    declared = security.requirements(root.child("security"), documents)
    global_security = declared or ()
    servers = (
        swagger.servers(root.value, root.uri)
        if is_swagger
        else builder.servers(root.child("servers")) or (Server(url="/"),)
    )
    operations = builder.operations(declared, servers)
    operations.sort(key=lambda op: (op.path, op.method))
    info = root.value.get("info")
    info = info if isinstance(info, dict) else {}
    api = Api(
        title=str(info.get("title", "")),
        version=str(info.get("version", "")),
        spec_version=spec_version,
        source=name,
        servers=servers,
        security_schemes=frozen(schemes),
        security=global_security,
        operations=tuple(operations),
        schemas=frozen(table.finish()),
        warnings=tuple(documents.warnings),
    )
    api = exploded(api)
    origins = {
        key: Origin(document=documents.name(uri), pointer=pointer)
        for key, (uri, pointer) in table.origins().items()
    }
    text = documents.text(root.uri)
    others = {key: value for key, value in documents.texts().items() if key != name}
    parsed = {key: value for key, value in documents.parsed().items() if key != name}
    return api, Source(
        name=name,
        data=root.value,
        text=text,
        schema_origins=frozen(origins),
        texts=frozen(others),
        others=frozen(parsed),
    )


def _spec_version(root: Node, name: str) -> str:
    raw: dict[str, Any] = root.value
    key = "openapi" if "openapi" in raw else "swagger" if "swagger" in raw else None
    if key is None:
        raise SpecError(
            "not an OpenAPI or Swagger document: no top-level openapi or swagger key",
            source=name,
        )
    version = str(raw[key])
    if not _SUPPORTED.match(version) or (key == "swagger") != (version == "2.0"):
        raise SpecError(
            f"unsupported {key} version {version!r} (2.0, 3.0, 3.1 and 3.2 are)",
            source=name,
            pointer=f"/{key}",
        )
    return version


def _component_schemas(root: Node, spec_version: str) -> list[Node]:
    table = (
        root.child("definitions")
        if spec_version == "2.0"
        else root.child("components").child("schemas")
    )
    if not isinstance(table.value, dict):
        return []
    return [table.child(name) for name in table.value]
