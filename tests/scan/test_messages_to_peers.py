"""A message names its recipient: the scan writes to another identity of its own.

The Flask trial's ``POST /messages`` was answered 422 to every identity: the scan filled
``recipient_id`` with the sender's own id (or none), and a message to oneself is refused,
so no message was made and none of the checks that need one ran. A recipient named by id
is a person now (the people's collection, ``scan._slots``), and a creation may name another
identity of the scan by its own id when the body holds no number beside its ids
(``scan.withhold``): refused for the recipient, it is sent again to a colleague the scan
logs in as. A payment stays withheld. ``staffmail_app`` is a Flask messenger with a
hand-written contract whose flawed twin hands any message to any colleague.
"""

from pathlib import Path
from typing import Any

from staffmail_app import IDENTITIES, MESSAGE, SEEDED, Staffmail
from tests.conftest import scan_with_identities

from serving import serving


def _scan(tmp_path: Path, *extra: str, flawed: bool) -> tuple[Staffmail, dict[str, Any]]:
    mail = Staffmail(flawed=flawed)
    with serving(mail.app, wsgi=True) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, *extra)
    assert done.returncode == 0, done.stderr
    return mail, report


def _serious(report: dict[str, Any]) -> set[tuple[str, str]]:
    high = {"medium", "high", "critical"}
    return {(f["check"], f["operation"]) for f in report["findings"] if f["severity"] in high}


def test_a_message_to_a_colleague_is_made_and_anothers_read_found(tmp_path: Path) -> None:
    """Each sender writes to a colleague; a third reads it by id: bola, high. All sent are gone."""
    mail, report = _scan(tmp_path, "--checks", "bola", flawed=True)
    assert ("bola", f"GET {MESSAGE}") in _serious(report), _serious(report)
    assert mail.messages == SEEDED


def test_the_fixed_twin_gives_no_bola_and_keeps_its_messages(tmp_path: Path) -> None:
    """Messages only for their parties: no finding of medium or above; the inbox as it was."""
    mail, report = _scan(tmp_path, flawed=False)
    assert _serious(report) == set(), _serious(report)
    assert mail.messages == SEEDED
