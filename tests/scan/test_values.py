"""Values a field can hold: learnt from the API's answers, from the enum, of the type; fresh ones."""

from __future__ import annotations

import json
import re
from typing import Any

from apiward.core.findings import Exchange, RecordedRequest, RecordedResponse
from apiward.scan.request import Request
from apiward.scan.transport import Reply
from apiward.scan.values import Fresh, Observed, Source, probe_value, rank


def _reply(body: Any, *, status: int = 200, sent: Any = None) -> Reply:
    """A JSON reply to a GET, or to a POST of ``sent``."""
    request = Request(method="POST" if sent else "GET", path="/x", operation="x", body=sent)
    exchange = Exchange(
        request=RecordedRequest(method=request.method, url="http://127.0.0.1/x", headers=()),
        response=RecordedResponse(status=status, headers=()),
    )
    return Reply(exchange=exchange, status=status, text=json.dumps(body), headers=(), sent=request)


USERS = [
    {"id": 1, "name": "Ann", "role": "Chef", "is_admin": False},
    {"id": 2, "name": "Ben", "role": "Employee"},
    {"id": 3, "name": "Cid", "role": "Customer"},
    {"id": 4, "name": "Dee", "role": "Customer"},
]


def test_observed_values_come_from_answers_at_any_depth() -> None:
    """Every field of a 2xx JSON answer is learnt, inside envelopes and nested objects."""
    observed = Observed()
    observed.learn(_reply({"data": {"users": USERS}}))
    observed.learn(_reply({"user": {"profile": {"role": "Employee"}}}))
    assert observed.values("role") == ["Customer", "Employee", "Chef"]
    assert observed.values("profile.role") == observed.values("role")
    assert observed.count("role", "Employee") == 2


def test_errors_and_echoes_are_not_observations() -> None:
    """A 4xx answer teaches nothing, and a value the request itself sent is only an echo."""
    observed = Observed()
    observed.learn(_reply({"role": "Chef"}, status=403))
    observed.learn(_reply({"id": 9, "role": "admin"}, sent={"role": "admin"}))
    assert observed.values("role") == []
    assert observed.values("id") == [9]


def test_a_role_probe_takes_an_observed_role_never_an_invented_one() -> None:
    """Observed Chef/Employee/Customer: a Customer is set to Chef, the most privileged-sounding."""
    observed = Observed()
    observed.learn(_reply(USERS))
    probe = probe_value("role", {"type": "string"}, "Customer", observed.values("role"))
    assert probe is not None
    assert (probe.value, probe.source) == ("Chef", Source.OBSERVED)


def test_an_observed_role_outside_the_writes_enum_is_not_sent() -> None:
    """A platform's "admin" seen on users is no organisation member's role: the enum's owner is
    (the NestJS trial's member PATCH refused "admin" with a 400 and was never tried again)."""
    member = {"type": "string", "enum": ["owner", "manager", "member"]}
    probe = probe_value("role", member, "member", ["admin", "member", "manager"])
    assert probe is not None
    assert (probe.value, probe.source) == ("manager", Source.OBSERVED)
    probe = probe_value("role", member, "member", ["admin", "member"])
    assert probe is not None
    assert (probe.value, probe.source) == ("owner", Source.ENUM)


def test_without_a_known_value_a_privilege_string_is_not_probed() -> None:
    """No observed value, no enum: no probe at all (an unknown role can lock a user out)."""
    assert probe_value("role", {"type": "string"}, "Customer") is None
    assert probe_value("role", {"type": "string"}, "Customer", ["Customer"]) is None


def test_the_enum_is_next_then_the_type() -> None:
    """The enum's most privileged value; a granting flag; a raised number within its maximum."""
    enum = probe_value("role", {"enum": ["user", "support", "admin"]}, "user")
    assert enum is not None
    assert (enum.value, enum.source) == ("admin", Source.ENUM)
    flag = probe_value("is_admin", {"type": "boolean"}, False)
    assert flag is not None
    assert flag.value is True
    bounded = probe_value("credits", {"type": "integer", "maximum": 50}, 10)
    assert bounded is not None
    assert bounded.value == 50


def test_a_privilege_flag_is_only_set_to_its_granting_value() -> None:
    """An admin is not un-admined, and a ban is lifted rather than imposed."""
    assert probe_value("is_admin", {"type": "boolean"}, True) is None
    lifted = probe_value("blocked", {"type": "boolean"}, True)
    assert lifted is not None
    assert lifted.value is False
    assert probe_value("banned", {"type": "boolean"}, False) is None


def test_rarer_values_win_ties() -> None:
    """Among equally plain values the rarest seen is tried: privileged roles are few."""
    observed = Observed()
    observed.learn(_reply([{"kind": "buyer"}, {"kind": "buyer"}, {"kind": "seller"}]))
    probe = probe_value("kind", {"type": "string"}, "nobody", observed.values("kind"))
    assert probe is not None
    assert probe.value == "seller"


def test_rank_reads_whole_words() -> None:
    """admin-like above manager-like above employee-like above customer-like; words, not substrings."""
    assert rank("Administrator") > rank("Chef") > rank("Employee") > rank("Customer") == 0
    assert rank("superman") == 0


def test_fresh_values_are_new_and_fit_their_schema() -> None:
    """Fresh values differ per call and per run, and keep pattern, format and length."""
    fresh, other = Fresh(), Fresh()
    emails = {fresh.value("email", {"format": "email"}) for _ in range(20)}
    assert len(emails) == 20
    assert other.value("email", {"format": "email"}) not in emails
    pattern = {"pattern": "^[a-z]{3}-[0-9]{2}$"}
    codes = {fresh.value("slug", pattern) for _ in range(10)}
    assert len(codes) == 10
    assert all(re.fullmatch("[a-z]{3}-[0-9]{2}", str(c)) for c in codes)
    short = fresh.value("name", {"maxLength": 10, "minLength": 8})
    assert short is not None
    assert 8 <= len(short) <= 10
    assert fresh.value("name", {"maxLength": 2}) is None
    phone = fresh.value("phone", {"type": "string"})
    assert phone is not None
    assert re.fullmatch(r"\+1555[0-9]{7}", phone)


def test_a_type_listed_with_null_is_the_type_beside_null() -> None:
    """OpenAPI 3.1's ``type: [integer, "null"]`` is probed as an integer, never a crash."""
    probe = probe_value("credits", {"type": ["integer", "null"]}, 3)
    assert probe is not None
    assert isinstance(probe.value, int)
    assert probe.value != 3
    assert probe_value("note", {"type": ["null"]}, "x") is None
