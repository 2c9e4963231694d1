"""The documents a contract spans, addressed by URI, and the ``$ref``s between them.

Every document is known by an absolute URI (``file:///…`` or ``https://…``) so
relative references resolve with plain URI joining. Documents are read once and
cached. A document fetched over HTTP may only reference other http(s) documents:
a remote spec must never make apiward read a local file.

Dangling references are lenient by default: the caller records a warning (see
:meth:`Documents.dangling`) and carries on with an empty schema or without the
object, because real specs often carry a few broken refs that do not matter for
what the user is doing. ``strict=True`` turns them into errors.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urljoin, urlsplit
from urllib.request import url2pathname

from apiward.core import netsafe
from apiward.core.errors import FetchError, SpecError, UnsafeAddressError
from apiward.spec.parse import compose, line_of, parse

REMOTE = ("http", "https")


@dataclass(frozen=True, slots=True)
class Node:
    """A value found in a document, with where it was found."""

    value: Any
    uri: str
    pointer: str

    def child(self, key: str | int) -> Node:
        """The member ``key`` of this node (``None`` value when absent)."""
        value = self.value
        if isinstance(value, dict):
            found = value.get(key)
        elif isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
            found = value[key]
        else:
            found = None
        return Node(found, self.uri, f"{self.pointer}/{escape(str(key))}")


class DanglingRefError(SpecError):
    """A ``$ref`` whose target does not exist or cannot be fetched."""


def escape(token: str) -> str:
    """Escape one JSON pointer token."""
    return token.replace("~", "~0").replace("/", "~1")


def unescape(token: str) -> str:
    """Unescape one JSON pointer token."""
    return token.replace("~1", "/").replace("~0", "~")


def uri_of(source: str | Path) -> str:
    """The absolute URI of a path or URL given by the user."""
    text = str(source)
    if urlsplit(text).scheme in REMOTE:
        return text
    return Path(text).resolve().as_uri()


class Documents:
    """Reads, caches and resolves the documents of one contract."""

    def __init__(
        self,
        *,
        allow_private: bool = False,
        trusted_origins: tuple[str, ...] = (),
        timeout: float = 10.0,
        max_bytes: int = 64 * 2**20,
        remote_refs: bool = True,
        strict: bool = False,
    ) -> None:
        self.allow_private = allow_private
        self.trusted_origins = trusted_origins
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.remote_refs = remote_refs
        self.strict = strict
        self.warnings: list[str] = []
        self.total_bytes = 0
        self._data: dict[str, Any] = {}
        self._texts: dict[str, str] = {}
        self._names: dict[str, str] = {}
        self._trees: dict[str, Any] = {}

    def name(self, uri: str) -> str:
        """How a document is shown to users: the path as given, a local path, or the URL."""
        if uri in self._names:
            return self._names[uri]
        if uri.startswith("file:"):
            return url2pathname(urlsplit(uri).path)
        return uri

    def root(self, source: str | Path) -> Node:
        """Read the document the user named, remembering the name they gave it."""
        uri = uri_of(source)
        self._names[uri] = str(source)
        return Node(self.document(uri), uri, "")

    def document(self, uri: str) -> Any:
        """The parsed document at ``uri`` (without fragment), read on first use."""
        if uri not in self._data:
            text = self._read(uri)
            self._texts[uri] = text
            self._data[uri] = parse(text, source=self.name(uri))
        return self._data[uri]

    def text(self, uri: str) -> str:
        """The text of a document already read (empty when it was not)."""
        return self._texts.get(uri, "")

    def texts(self) -> dict[str, str]:
        """The text of every document read so far, by the name users see."""
        return {self.name(uri): text for uri, text in self._texts.items()}

    def parsed(self) -> dict[str, Any]:
        """The parsed data of every document read so far, by the name users see."""
        return {self.name(uri): data for uri, data in self._data.items()}

    def locate(self, error: SpecError) -> SpecError:
        """Add the line to an error that names a read document and a pointer in it."""
        if error.line is not None or error.pointer is None:
            return error
        for uri, text in self._texts.items():
            if self.name(uri) == error.source:
                if uri not in self._trees:
                    self._trees[uri] = compose(text)
                error.line = line_of(self._trees[uri], error.pointer)
                break
        return error

    def target(self, ref: str, base: str) -> tuple[str, str]:
        """The document URI and JSON pointer a ``$ref`` in document ``base`` points to."""
        try:
            uri, fragment = urldefrag(urljoin(base, ref))
        except ValueError:  # e.g. an unclosed IPv6 bracket; at() reports it as dangling
            return f"invalid:{ref}", ""
        return uri, unquote(fragment)

    def at(self, uri: str, pointer: str, *, ref: str, where: Node) -> Node:
        """The node at ``pointer`` in document ``uri``; DanglingRefError when it is not there."""
        scheme = uri.split(":", 1)[0] if ":" in uri else ""
        if scheme not in (*REMOTE, "file"):
            raise self._dangling(ref, where, "not a file or http(s) reference")
        if urlsplit(where.uri).scheme in REMOTE and scheme not in REMOTE:
            raise self._dangling(ref, where, "a remote document may only reference http(s)")
        if scheme in REMOTE and not self.remote_refs and uri not in self._data:
            raise self._dangling(ref, where, "remote references are not followed")
        try:
            value = self.document(uri)
        except (FetchError, OSError) as error:
            raise self._dangling(ref, where, str(error)) from None
        if pointer and not pointer.startswith("/"):
            raise self._dangling(ref, where, "only JSON pointer fragments are supported")
        for token in pointer.split("/")[1:] if pointer else ():
            value = _step(value, unescape(token))
            if value is _MISSING:
                raise self._dangling(ref, where, "target does not exist")
        return Node(value, uri, pointer)

    def resolve(self, node: Node) -> Node:
        """Follow a chain of ``$ref`` objects (parameters, responses, path items...)."""
        seen: set[tuple[str, str]] = set()
        while isinstance(node.value, dict) and isinstance(ref := node.value.get("$ref"), str):
            uri, pointer = self.target(ref, node.uri)
            if (uri, pointer) in seen:
                raise SpecError(
                    f"$ref {ref!r} is circular", source=self.name(node.uri), pointer=node.pointer
                )
            seen.add((uri, pointer))
            node = self.at(uri, pointer, ref=ref, where=node)
        return node

    def dangling(self, error: DanglingRefError) -> None:
        """Record a dangling reference as a warning, or raise it when strict."""
        if self.strict:
            raise error
        self.warnings.append(str(self.locate(error)))

    def _dangling(self, ref: str, where: Node, why: str) -> DanglingRefError:
        return DanglingRefError(
            f"$ref {ref!r} does not resolve: {why}",
            source=self.name(where.uri),
            pointer=f"{where.pointer}/$ref",
        )

    def _read(self, uri: str) -> str:
        scheme = urlsplit(uri).scheme
        if scheme in REMOTE:
            data = fetch(
                uri,
                allow_private=self.allow_private,
                trusted_origins=self.trusted_origins,
                timeout=self.timeout,
                max_bytes=self.max_bytes,
            )
        elif scheme == "file":
            data = self._read_file(Path(url2pathname(urlsplit(uri).path)), uri)
        else:
            raise SpecError(f"unsupported URL scheme {scheme!r}", source=uri)
        self.total_bytes += len(data)
        try:
            return data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise SpecError(f"not UTF-8 text (byte {error.start})", source=self.name(uri)) from None

    def _read_file(self, path: Path, uri: str) -> bytes:
        try:
            size = path.stat().st_size
            if size > self.max_bytes:
                raise SpecError(
                    f"file is {size} bytes, more than the {self.max_bytes} allowed",
                    source=self.name(uri),
                )
            return path.read_bytes()
        except FileNotFoundError:
            raise FetchError("no such file", source=self.name(uri)) from None
        except IsADirectoryError:
            raise FetchError("is a directory, not a file", source=self.name(uri)) from None
        except OSError as error:
            raise FetchError(f"cannot read: {error.strerror}", source=self.name(uri)) from None


_MISSING = object()


def _step(value: Any, token: str) -> Any:
    if isinstance(value, dict):
        return value.get(token, _MISSING)
    if isinstance(value, list) and token.isdigit() and int(token) < len(value):
        return value[int(token)]
    return _MISSING


def fetch(
    url: str,
    *,
    allow_private: bool,
    timeout: float,
    max_bytes: int,
    trusted_origins: tuple[str, ...] = (),
) -> bytes:
    """GET ``url`` through the SSRF-safe client, within ``timeout`` seconds and ``max_bytes``."""
    import httpx  # only the URL path needs it; keeps file loading light

    try:
        if not httpx.URL(url).host:
            raise FetchError("not a valid URL: no host", source=url)
    except httpx.InvalidURL as error:
        raise FetchError(f"not a valid URL: {error}", source=url) from None
    deadline = time.monotonic() + timeout
    chunks: list[bytes] = []
    size = 0
    try:
        with (
            netsafe.client(
                allow_private=allow_private, trusted_origins=trusted_origins, timeout=timeout
            ) as http,
            http.stream(
                "GET", url, headers={"Accept": "application/json, application/yaml, */*"}
            ) as response,
        ):
            if response.status_code >= 400:
                raise FetchError(f"HTTP {response.status_code}", source=url)
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise FetchError(f"larger than the {max_bytes} bytes allowed", source=url)
                if time.monotonic() > deadline:
                    raise FetchError(f"took longer than {timeout:g} s", source=url)
                chunks.append(chunk)
    except UnsafeAddressError as error:
        raise UnsafeAddressError(error.message, source=url) from None
    except httpx.TimeoutException:
        raise FetchError(f"timed out after {timeout:g} s", source=url) from None
    except httpx.HTTPError as error:
        raise FetchError(f"cannot fetch: {error or type(error).__name__}", source=url) from None
    return b"".join(chunks)
