"""HAR 1.2 files (browser devtools, proxies, apiward's own recordings) as traffic.

The whole document is parsed with the standard ``json`` module rather than orjson
because its errors carry a line and column, which is what a user needs to fix a
broken file. Entries that are not a request (missing method or URL) are skipped and
counted; response bodies in base64 are decoded when they are text.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any

from apiward.inventory.observation import (
    Batch,
    Observation,
    TrafficError,
    media_type,
    parse_iso,
    split_target,
)

NAME = "har"


def sniff(head: str) -> bool:
    """Whether the file starts like a HAR document: a JSON object with a ``log`` key."""
    text = head.lstrip()
    return text.startswith("{") and '"log"' in text[:4096]


def read(path: Path, source: str) -> Batch:
    """Every well-formed entry of the HAR file's ``log.entries``."""
    entries = _entries(_document(path, source), source)
    observations: list[Observation] = []
    skipped: list[int] = []
    for index, entry in enumerate(entries):
        observation = _observation(entry, f"{source}#/log/entries/{index}")
        if observation is None:
            skipped.append(index)
        else:
            observations.append(observation)
    return Batch(
        source=source,
        format=NAME,
        observations=tuple(observations),
        skipped=len(skipped),
        first_skipped=skipped[0] if skipped else None,
    )


def _document(path: Path, source: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8", errors="replace"))
    except json.JSONDecodeError as error:
        raise TrafficError(
            f"not valid JSON: {error.msg}", source=source, line=error.lineno
        ) from None
    except RecursionError:
        raise TrafficError("not a HAR file: its JSON nests too deeply", source=source) from None
    except ValueError as error:  # a 5,000-digit number
        what = str(error).split(";")[0]
        raise TrafficError(f"not valid JSON: {what}", source=source) from None


def _entries(document: Any, source: str) -> list[Any]:
    log = document.get("log") if isinstance(document, dict) else None
    entries = log.get("entries") if isinstance(log, dict) else None
    if not isinstance(entries, list):
        raise TrafficError("a HAR file needs a log.entries array", source=source, pointer="/log")
    return entries


def _observation(entry: Any, where: str) -> Observation | None:
    request = entry.get("request") if isinstance(entry, dict) else None
    if not isinstance(request, dict):
        return None
    method, url = request.get("method"), request.get("url")
    if not isinstance(method, str) or not isinstance(url, str) or not method.isalpha():
        return None
    response = _part(entry, "response")
    posted = _part(request, "postData")
    content = _part(response, "content")
    split = split_target(url)
    if split is None:
        return None
    path, query = split
    status = response.get("status")
    return Observation(
        method=method.upper(),
        path=path,
        query=query,
        # HAR writes 0 for requests that got no response.
        status=status if isinstance(status, int) and status > 0 else None,
        time=parse_iso(entry.get("startedDateTime") or ""),
        request_content_type=media_type(posted.get("mimeType") or _header(request, "content-type")),
        response_content_type=media_type(content.get("mimeType")),
        request_body=_text(posted.get("text")),
        response_body=_text(content.get("text"), content.get("encoding")),
        client=_header(request, "x-forwarded-for"),
        source=where,
    )


def _part(parent: dict[str, Any], key: str) -> dict[str, Any]:
    value = parent.get(key)
    return value if isinstance(value, dict) else {}


def _header(message: dict[str, Any], name: str) -> str | None:
    for header in message.get("headers") or ():
        if isinstance(header, dict) and str(header.get("name", "")).lower() == name:
            value = header.get("value")
            return value if isinstance(value, str) else None
    return None


def _text(text: Any, encoding: Any = None) -> str | None:
    if not isinstance(text, str) or not text:
        return None
    if encoding != "base64":
        return text
    try:
        return base64.b64decode(text, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
