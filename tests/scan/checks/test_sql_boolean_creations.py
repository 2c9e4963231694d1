"""What ``sql_injection``'s boolean pairs compare: not what each creation makes anew.

The Tornado trial's ``POST /api/v2/devices`` stored its fields through bound parameters and
answered each device with the request's fresh serial and name, a new ``device_key`` and a
timestamp. The true and the false condition's answers differed by those alone, and a pair
of them was called a boolean SQL injection (high, confirmed). What a pair compares has the
echoes of every string its request sent, the server's new keys and the timestamps taken out.
"""

from __future__ import annotations

import json
from typing import Any

from apiward.core.findings import Exchange, RecordedRequest, RecordedResponse
from apiward.scan.checks._sql_boolean import comparable
from apiward.scan.request import Request
from apiward.scan.transport import Reply


def _created(sent: dict[str, Any], made: dict[str, Any]) -> Reply:
    request = Request(method="POST", path="/api/v2/devices", operation="x", body=sent)
    exchange = Exchange(
        request=RecordedRequest(method="POST", url="http://127.0.0.1/api/v2/devices", headers=()),
        response=RecordedResponse(status=201, headers=()),
    )
    text = json.dumps({**sent, "status": "inactive", "owner_id": 1, **made})
    return Reply(exchange=exchange, status=201, text=text, headers=(), sent=request)


def test_two_creations_differing_only_by_what_each_makes_anew_compare_equal() -> None:
    """Fresh serials and names, device keys and timestamps: nothing left to tell apart."""
    true = "1.4.1' AND '8899'='8899"
    false = "1.4.1' AND '8899'='8900"
    one = _created(
        {"serial": "SN-329F5D", "name": "apiward179adb396", "firmware_version": true},
        {"device_key": "dk_5b89b7f4892951ab1a733357", "created_at": "2026-12-07T16:32:27Z"},
    )
    other = _created(
        {"serial": "SN-7FF2A1", "name": "apiward179adb408", "firmware_version": false},
        {"device_key": "dk_8c00b00e06d3dc92c319cb1c", "created_at": "2026-12-07T16:32:28Z"},
    )
    assert comparable(one, [true]) == comparable(other, [false])


def test_what_an_answer_lists_still_tells_two_answers_apart() -> None:
    """A search that lists two rows is not one that lists none, whatever was scrubbed."""
    rows = _created({"q": "x"}, {"results": [{"title": "Boiler"}, {"title": "Pump"}]})
    none = _created({"q": "y"}, {"results": []})
    assert comparable(rows, ["x"]) != comparable(none, ["y"])
