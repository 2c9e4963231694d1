"""plain_cookies: identity cookies read whole through their layers, written back the same way, and
signed values never read.

Values are written as the frameworks write them: werkzeug quotes JSON, Express
URL-encodes base64 and prefixes its JSON cookies with ``j:``, itsdangerous and Express
sign with a trailing segment.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from urllib.parse import quote

import pytest
from itsdangerous import URLSafeTimedSerializer
from werkzeug.http import dump_cookie

from apiward.scan.plain_cookies import read

IDS = ["alice", "3", "alice@example.test", "65e1a0c00000000000000001"]
_URI_SAFE = "!'()*-._~"


def _werkzeug(value: str) -> str:
    """The value of a cookie werkzeug writes, as a cookie jar keeps it (outer quotes off)."""
    return dump_cookie("c", value).split(";", 1)[0].split("=", 1)[1].strip('"')


def _express_signed(value: str) -> str:
    mac = hmac.new(b"keyboard cat", value.encode(), hashlib.sha256).digest()
    return quote("s:" + value + "." + base64.b64encode(mac).decode().rstrip("="), safe=_URI_SAFE)


READABLE = {
    "plain id": ("3", "", "3"),
    "base64 name": (base64.b64encode(b"alice").decode(), "base64 of", "alice"),
    "hex name": (b"alice".hex(), "hex of", "alice"),
    "quoted json": (
        _werkzeug(json.dumps({"user": "alice", "role": "member"})),
        "quoted",
        {"user": "alice", "role": "member"},
    ),
    "express url-encoded base64 json": (
        quote(base64.b64encode(b'{"uid":"65e1a0c00000000000000001"}').decode(), safe=_URI_SAFE),
        "URL-encoded base64 of",
        {"uid": "65e1a0c00000000000000001"},
    ),
    "express j: json": (quote('j:{"id":3}', safe=_URI_SAFE), "URL-encoded j:-prefixed", {"id": 3}),
    "base64url unpadded json": (
        base64.urlsafe_b64encode(b'{"member":"alice"}').decode().rstrip("="),
        "base64 of",
        {"member": "alice"},
    ),
    "url-encoded e-mail": (quote("Alice@Example.test"), "URL-encoded", "Alice@Example.test"),
}


@pytest.mark.parametrize(
    ("value", "layers", "content"), list(READABLE.values()), ids=list(READABLE)
)
def test_a_value_its_layers_explain_whole_is_read(value: str, layers: str, content: object) -> None:
    """Each form is read to its content, and the description names its layers."""
    reading = read(value, IDS)
    assert reading is not None
    assert reading.content == content
    assert reading.describe("x").startswith(layers)


@pytest.mark.parametrize(
    ("value", "_layers", "content"), list(READABLE.values()), ids=list(READABLE)
)
def test_forging_writes_the_same_layers(value: str, _layers: str, content: object) -> None:
    """The own content forged back gives the value itself; other content reads back as given."""
    reading = read(value, IDS)
    assert reading is not None
    forged = reading.forge(reading.content)
    assert forged.strip('"') == value
    bob = "bob@example.test" if "@" in str(content) else "bob"  # "@" keeps the URL layer
    other: dict[str, object] | str = (
        dict.fromkeys(content, bob) if isinstance(content, dict) else bob
    )
    again = read(reading.forge(other).strip('"'), [bob])
    assert again is not None
    assert (again.content, again.layers) == (other, reading.layers)


SIGNED = {
    "flask session": URLSafeTimedSerializer("dev", salt="cookie-session").dumps({"user_id": 3}),
    "express signed": _express_signed("alice"),
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ",
    "json with a sig field": base64.b64encode(b'{"user": "alice", "sig": "4f1c"}').decode(),
    "json with a mac-like string": base64.b64encode(
        json.dumps({"user": "alice", "v": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b"}).encode()
    ).decode(),
    "name and a signature": "alice." + "9f86d081884c7d659a2feaa0c55ad015",
    "name beside a random token": base64.b64encode(b"alice:9f86d081884c7d65").decode(),
    "random session id": "a8f7e6d5c4b3a2918273645546372819",
    "somebody else": base64.b64encode(b"mallory").decode(),
}


@pytest.mark.parametrize("value", list(SIGNED.values()), ids=list(SIGNED))
def test_signed_or_unexplained_values_are_never_read(value: str) -> None:
    """A signature, a token or anything else the layers leave unexplained: no reading."""
    assert read(value, IDS) is None
