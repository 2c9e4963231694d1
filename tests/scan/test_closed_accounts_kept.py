"""An account that closes itself into a disabled row is left, not deleted, and few are made.

The Koa trial's ``DELETE /me`` is "Close the caller's own account (it is disabled)"; the
Sinatra trial's keeps the row too. The scan took that DELETE for one that removes accounts:
it signed up 21 and 28 accounts, each with a workspace of its own, closed them all and
called them deleted. Such a DELETE removes none (``accounts.removable``): the scan signs up
only the accounts it needs, and lists each one *left*, closed.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import scan_with_identities
from tests.scan.test_made_user_login_name import CONTRACT, IDENTITIES, Service

from serving import serving

KEPT = {
    **CONTRACT,
    "paths": {
        **CONTRACT["paths"],
        "/me": {
            **CONTRACT["paths"]["/me"],
            "delete": {
                "summary": "Close the caller's own account (it is disabled)",
                "responses": {"204": {"description": "Closed"}},
            },
        },
    },
}


def test_closed_accounts_are_left_and_say_so(tmp_path: Path) -> None:
    """Every account the scan made is closed, and listed left, kept by the contract's words."""
    service = Service(KEPT)
    with serving(service.app()) as url:
        done, report = scan_with_identities(url, IDENTITIES, tmp_path, "--checks", "bola,login")
    assert done.returncode < 2, done.stdout + done.stderr
    made = [m for m in service.accounts if m != "alice@acme.test"]
    assert made, "the scan signed up nobody"
    assert all(service.accounts[m]["closed"] for m in made), service.accounts
    rows = [r for r in report["tables"]["target_state"] if r["what"] == "account signed up"]
    assert rows, report["tables"]["target_state"]
    assert all(r["state"] == "left" and "keeps it" in r["detail"] for r in rows), rows
