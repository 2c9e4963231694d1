"""nginx / Apache access logs (combined, and the common format without its two last fields).

One regular expression, anchored, with the quoted fields matched as "anything but an
unescaped quote" so that nginx's ``\\x22`` escapes and user agents with spaces parse.
A line that does not match — junk, a truncated write, a TLS handshake sent to the
plain port (``"\\x16\\x03\\x01..." 400``) — is counted and skipped, never fatal.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from apiward.inventory.observation import Batch, Observation, split_target, utc

NAME = "access"

_LINE = re.compile(
    r"^(?P<client>\S+) \S+ \S+ \[(?P<time>[^\]]+)\] "
    r'"(?P<request>(?:[^"\\]|\\.)*)" (?P<status>\d{3}) (?:\d+|-)'
    r'(?: "(?:[^"\\]|\\.)*" "(?:[^"\\]|\\.)*")?(?:\s.*)?$'
)
_REQUEST = re.compile(r"^(?P<method>[A-Z]{3,10}) (?P<target>\S+)(?: HTTP/\d(?:\.\d)?)?$")
_TIME = re.compile(
    r"^(\d{2})/([A-Z][a-z]{2})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$"
)
_MONTHS = {
    m: n
    for n, m in enumerate(
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"], 1
    )
}


def sniff(head: str) -> bool:
    """Whether one of the first lines of the file is an access-log line."""
    lines = [line for line in head.splitlines()[:20] if line.strip()]
    return any(_parse(line, "") is not None for line in lines)


def read(path: Path, source: str) -> Batch:
    """Every request line of the log; anything else is counted as skipped."""
    observations: list[Observation] = []
    skipped: list[int] = []
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            observation = _parse(line.rstrip("\r\n"), f"{source}:{number}")
            if observation is None:
                skipped.append(number)
            else:
                observations.append(observation)
    return Batch(
        source=source,
        format=NAME,
        observations=tuple(observations),
        skipped=len(skipped),
        first_skipped=skipped[0] if skipped else None,
    )


def _parse(line: str, where: str) -> Observation | None:
    match = _LINE.match(line)
    if match is None:
        return None
    request = _REQUEST.match(match["request"])
    if request is None:
        return None
    split = split_target(request["target"])
    if split is None or not split[0].startswith("/"):
        return None
    path, query = split
    return Observation(
        method=request["method"],
        path=path,
        query=query,
        status=int(match["status"]),
        time=_time(match["time"]),
        client=match["client"],
        source=where,
    )


def _time(text: str) -> datetime | None:
    # By hand rather than strptime: strptime was half the reading time, and its %b
    # follows the process locale while log month names are always English.
    match = _TIME.match(text)
    if match is None or match[2] not in _MONTHS:
        return None
    day, _, year, hour, minute, second, sign, tz_hours, tz_minutes = match.groups()
    offset = timedelta(hours=int(tz_hours), minutes=int(tz_minutes))
    try:
        moment = datetime(
            int(year),
            _MONTHS[match[2]],
            int(day),
            int(hour),
            int(minute),
            int(second),
            tzinfo=timezone(-offset if sign == "-" else offset),
        )
    except ValueError:
        return None
    return utc(moment)
