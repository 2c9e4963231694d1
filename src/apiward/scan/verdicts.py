"""What an answer's body says beside its status: JSON behind a runtime's warnings, and a 2xx that failed.

Two habits of hand-written APIs (the PHP trial's, and many more) that a status alone misreads:

* The runtime prints its warnings ahead of the answer, in the same body::

      <br />
      <b>Warning</b>:  Array to string conversion in <b>/srv/api/db.php</b> on line <b>21</b><br />
      {"success": true, "id": 31}

  The answer is still that JSON. Read as no JSON at all, the new object's id is lost, and what
  the scan made is left on the target, unlisted.
* A refusal answered 200: ``{"success": false, "error": "Username already taken"}``, JSend's
  ``{"status": "fail", "message": "..."}``, or a body that is nothing but an ``error``. Nothing
  was made or changed, whatever the status says; counted as a success, it is a sign-up that
  never happened listed as left, or a refused attack reported as one that got through.

The same holds for a runtime's fatal error answered 200 (PHP's ``<b>Fatal error</b>:  Uncaught
PDOException: ... UNIQUE constraint failed``, a duplicate enrolment): the request died.

A record that merely has such a field is no refusal: a delivery ``{"id": 9, "success": false}``
read back whole is the delivery. So a failure flag counts only in a body naming no id, and an
``error`` only in a body holding nothing but an answer's metadata.
"""

from __future__ import annotations

import json
import re
from typing import Any

from apiward.scan.envelope import is_meta

MAX_FAILED = 4096
"""Characters of a body read for a refusal at most: refusals are short, listings are not."""
_STARTS = 8
"""Places after a warning where the JSON may start that are tried, at most."""
_AFTER_NOTICE = re.compile(r"(?:^|[\n>])[ \t\r]*(?=[\[{])")
_FLAGS = ("success", "successful", "ok")
_FAILED_STATUS = {"fail", "failed", "failure", "error"}
_NOTICE = re.compile(r"^\s*(<br|<b>|PHP |(Warning|Notice|Deprecated|Fatal error)\b)", re.IGNORECASE)
_FATAL = re.compile(
    r"<b>(Fatal|Parse) error</b>|^PHP (Fatal|Parse) error:|^Fatal error: |"
    r"^Traceback \(most recent call last\):",
    re.MULTILINE,
)
_ID = re.compile(r"(^|_)(id|uuid|key|slug)$|Id$", re.IGNORECASE)


def parse(text: str) -> Any:
    """The JSON of ``text``, also where warnings precede it; ``ValueError`` when it holds none."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    decoder = json.JSONDecoder()
    with_tail = _leading(decoder, text)
    if with_tail is not None:
        return with_tail[0]
    for start, match in enumerate(_AFTER_NOTICE.finditer(text)):
        if start == _STARTS:
            break
        if match.end() == 0:
            continue  # at the very start, json.loads already said no
        try:
            value, end = decoder.raw_decode(text, match.end())
        except ValueError:
            continue
        if not text[end:].strip():
            return value
    raise ValueError("no JSON in the answer")


def _leading(decoder: json.JSONDecoder, text: str) -> tuple[Any] | None:
    """The JSON at the start of ``text`` where only a runtime's warning follows it."""
    try:
        value, end = decoder.raw_decode(text, len(text) - len(text.lstrip()))
    except ValueError:
        return None
    return (value,) if _NOTICE.match(text[end:]) else None


def says_failed(text: str) -> bool:
    """True for a body that says its request failed, whatever the status (``{"success": false}``)."""
    if len(text) > MAX_FAILED:
        return bool(_FATAL.search(text, 0, MAX_FAILED)) and not text.lstrip().startswith(("{", "["))
    try:
        data = parse(text)
    except ValueError:
        return bool(_FATAL.search(text))
    if not isinstance(data, dict) or not data:
        return False
    if any(data.get(flag) is False for flag in _FLAGS):
        return not any(_ID.search(k) and v not in (None, "") for k, v in data.items())
    if not all(is_meta(str(key)) for key in data):
        return False
    status = data.get("status")
    failed = isinstance(status, str) and status.lower() in _FAILED_STATUS
    return failed or bool(data.get("error") or data.get("errors"))
