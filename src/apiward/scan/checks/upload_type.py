"""``upload_type`` (API8): an upload that takes any file and serves it back as active content.

For each operation whose ``multipart/form-data`` body has a file part (``format:
binary``, ``contentMediaType``, or a property named like a file), as the identity
that may use it (anonymously when public):

1. **control**: a real 1×1 PNG, ``image/png`` — it must be accepted (2xx), else the
   operation cannot be judged;
2. **probe**: an HTML page carrying a unique script marker, as ``text/html`` with an
   ``.html`` name. Where it is accepted, the check looks for where it is served: a
   URL-like field of the answer (``url``, ``href``, ``location``, ``path``...) or its
   ``Location`` header, read as the same caller.

**High**, confirmed (CWE-434): the page comes back with the marker, as ``text/html`` (or
with no ``nosniff`` and no ``attachment``): a script uploaded by anyone runs in the API's
origin. **Medium**, firm: the probe was accepted where the contract asks for an image
(the part's ``contentType``/name/description says image, photo, avatar) but where it
is served was not found. Merely storing other files is what file APIs are for, and is
not reported.

Writes only objects of the scan's own making (new uploads).
"""

from __future__ import annotations

import dataclasses
import re
import secrets
from collections.abc import AsyncIterator, Mapping
from typing import Any
from urllib.parse import urlsplit

from apiward.core.findings import Confidence, Severity
from apiward.scan.check import Outcome, Skip, SkipReason, held
from apiward.scan.context import Context
from apiward.scan.identities import Identity
from apiward.scan.request import BodyKind, Request, Where
from apiward.scan.transport import Reply
from apiward.scan.withhold import Withheld
from apiward.spec import Operation, Schema, json_types

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
MULTIPART = "multipart/form-data"
_FILE_NAME = re.compile(r"file|upload|image|photo|avatar|picture|attachment|document", re.I)
_IMAGE = re.compile(r"image|photo|avatar|picture|logo|icon", re.IGNORECASE)
_URL_FIELD = re.compile(r"url|href|link|location|path|src|download", re.IGNORECASE)


class UploadType:
    """Files of any type accepted, and served back as HTML in the API's origin."""

    id = "upload_type"
    title = "Upload accepts any file type"
    owasp = "API8:2023"
    cwe = "CWE-434"
    safe = True  # creates uploads of its own only
    remediation = (
        "Decide the type from the content (magic bytes), not from the client's name or "
        "Content-Type; accept only the types the operation needs; serve uploads from "
        "another origin, with Content-Disposition: attachment and X-Content-Type-Options: "
        "nosniff, never as text/html."
    )

    async def run(self, ctx: Context, operation: Operation) -> AsyncIterator[Outcome]:
        """Upload a PNG (control) and an HTML page (probe); look for where the page is served."""
        part = _file_part(ctx, operation)
        if operation.method not in {"POST", "PUT"} or part is None:
            yield Skip(reason=SkipReason.NOT_APPLICABLE, detail="no multipart file part")
            return
        name, schema = part
        accepted = await _control(ctx, operation, name)
        if isinstance(accepted, Skip):
            yield accepted
            return
        base, who, control = accepted
        marker = f"apiward-{secrets.token_hex(6)}"
        page = f"<html><body><script>/*{marker}*/</script></body></html>".encode()
        probe = await _upload(ctx, base, who, name, (f"{marker}.html", "text/html", page))
        if not probe.ok:
            return
        served = await _served(ctx, probe, who, marker)
        if served is not None:
            yield self._finding(ctx, operation, name, [control, probe, served], served=True)
        elif _wants_image(name, schema, operation):
            yield self._finding(ctx, operation, name, [control, probe], served=False)

    def _finding(
        self, ctx: Context, op: Operation, name: str, evidence: list[Reply], *, served: bool
    ) -> Outcome:
        where = evidence[-1].sent.path if served else ""
        detail = (
            f"An HTML page with a script, uploaded as {name} (text/html, .html), was accepted "
            f"({evidence[1].status}) and GET {where} serves it back as "
            f"{evidence[-1].header('content-type')}: a script anyone uploads runs in the API's origin."
            if served
            else f"{name} is declared for images, yet an HTML page (text/html, .html) was "
            f"accepted ({evidence[1].status}) like the PNG control: the type is not checked."
        )
        return ctx.finding(
            self,
            op,
            title=f"{op.key} accepts "
            + ("an HTML upload and serves it inline" if served else "any file type"),
            severity=Severity.HIGH if served else Severity.MEDIUM,
            confidence=Confidence.CONFIRMED if served else Confidence.FIRM,
            detail=detail,
            evidence=evidence,
            key=f"body:{name}",
        )


def _file_part(ctx: Context, operation: Operation) -> tuple[str, Schema] | None:
    """The multipart body's file property: binary, a content media type, or a file-ish name."""
    body = operation.request_body
    schema = body.content.get(MULTIPART) if body is not None else None
    if schema is None:
        return None
    properties: Mapping[str, Any] = ctx.api.deref(schema).get("properties") or {}
    for name, sub in properties.items():
        sub = ctx.api.deref(sub)
        binary = sub.get("format") in {"binary", "base64"} or "contentMediaType" in sub
        if binary or ("string" in json_types(sub) and _FILE_NAME.search(str(name))):
            return str(name), sub
    return None


async def _control(
    ctx: Context, operation: Operation, name: str
) -> tuple[Request, Identity | None, Reply] | Skip:
    """The first caller whose PNG upload is accepted (anonymous first for public operations).

    Many APIs check credentials without declaring them, so a refused anonymous upload
    is tried again as each identity.
    """
    callers: list[Identity | None] = [None] if operation.is_public else []
    statuses: list[str] = []
    for who in [*callers, *ctx.identities]:
        try:
            base = ctx.request(operation) if who is None else ctx.legit_request(operation, who)
        except Withheld as withheld:
            return held(withheld)
        reply = await _upload(ctx, base, who, name, ("apiward.png", "image/png", PNG))
        if reply.ok:
            return base, who, reply
        statuses.append(str(reply.status))
    detail = f"a PNG upload got {', '.join(statuses) or 'no caller'}"
    return Skip(reason=SkipReason.NO_ACCESS, detail=detail)


async def _upload(
    ctx: Context,
    base: Request,
    who: Identity | None,
    name: str,
    file: tuple[str, str, bytes],
) -> Reply:
    """``base`` with a multipart body: its other string fields, and ``file`` as ``name``."""
    fields = {
        k: str(v)
        for k, v in (base.body if isinstance(base.body, dict) else {}).items()
        if k != name and isinstance(v, str | int | float) and not isinstance(v, bool)
    }
    boundary = f"apiward{secrets.token_hex(8)}"
    body = _multipart(boundary, fields, name, file)
    request = dataclasses.replace(base, body=body, body_kind=BodyKind.RAW).with_param(
        Where.HEADER, "Content-Type", f"{MULTIPART}; boundary={boundary}"
    )
    return await ctx.send(request, as_=who, note=f"upload {file[0]} as {file[1]}")


def _multipart(
    boundary: str, fields: Mapping[str, str], name: str, file: tuple[str, str, bytes]
) -> bytes:
    out = b""
    for key, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n'.encode()
        out += value.encode() + b"\r\n"
    filename, media, content = file
    out += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
        f'filename="{filename}"\r\nContent-Type: {media}\r\n\r\n'
    ).encode()
    return out + content + f"\r\n--{boundary}--\r\n".encode()


async def _served(ctx: Context, probe: Reply, who: Identity | None, marker: str) -> Reply | None:
    """Where the uploaded page is served back as active HTML, if the answer says where."""
    for path in _locations(probe):
        read = await ctx.send(
            Request(method="GET", path=path, operation=""), as_=who, note="the upload, served"
        )
        kind = (read.header("content-type") or "").split(";")[0].strip().lower()
        inline = "attachment" not in (read.header("content-disposition") or "").lower()
        sniffed = (read.header("x-content-type-options") or "").lower() != "nosniff"
        html = kind == "text/html" or (sniffed and kind in {"", "application/octet-stream"})
        if read.ok and marker in read.text and inline and html:
            return read
    return None


def _locations(reply: Reply) -> list[str]:
    """Same-origin paths the answer names: URL-like fields and the Location header."""
    found = [reply.header("location") or ""]
    data = reply.data
    if isinstance(data, dict):
        found += [str(v) for k, v in data.items() if _URL_FIELD.search(k) and isinstance(v, str)]
    paths = [urlsplit(v).path for v in found if v]
    return [p for p in dict.fromkeys(paths) if p.startswith("/")][:3]


def _wants_image(name: str, schema: Schema, operation: Operation) -> bool:
    declared = (str(schema.get("contentMediaType", "")), str(schema.get("description", "")))
    text = " ".join((name, *declared, operation.path, operation.summary, operation.description))
    return bool(_IMAGE.search(text))
