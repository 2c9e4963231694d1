"""No session the target ever issued reaches a report, even one it re-signed mid-scan.

A Flask hiking log (``tests/scan/trails_app.py``) re-signs its session cookie on every
answer, so the cookies a scan sends later are values its login never saw: redaction
must go by where a credential sits (a ``Cookie`` or ``Set-Cookie`` header, a curl
line's ``-H``), not only by the values it was told. Scanned through the real CLI, the
JSON, the HTML page and the terminal hold no value the app set, while the cookie's
name and whose session it was stay for the reader.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tests.conftest import run_apiward
from tests.scan.trails_app import COOKIE, IDENTITIES, TrailLog

from serving import serving

Cli = Callable[..., subprocess.CompletedProcess[str]]


def _scan(apiward: Cli, url: str, tmp_path: Path, *extra: str) -> tuple[dict[str, Any], str]:
    (tmp_path / "identities.yaml").write_text(IDENTITIES)
    result = apiward(
        "scan", "--spec", f"{url}/openapi.json", "--allow-private", "--target", url,
        "--identities", str(tmp_path / "identities.yaml"), "--json", str(tmp_path / "r.json"),
        "--report", str(tmp_path / "r.html"), *extra,
    )  # fmt: skip
    assert "Traceback" not in result.stderr, result.stderr
    outputs = "\n".join(
        (result.stdout, result.stderr, *((tmp_path / n).read_text() for n in ("r.json", "r.html")))
    )
    return json.loads((tmp_path / "r.json").read_text()), outputs


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[TrailLog, dict[str, Any], str]:
    """One default scan of the vulnerable trail log: its app, JSON report and every output."""
    log = TrailLog(owned=False)
    with serving(log.app(), wsgi=True) as url:
        report, outputs = _scan(run_apiward, url, tmp_path_factory.mktemp("trails"))
    return log, report, outputs


def test_no_session_the_target_issued_reaches_any_output(
    scanned: tuple[TrailLog, dict[str, Any], str],
) -> None:
    """Every cookie value the app set, re-signed ones included, is absent from JSON, HTML, terminal."""
    log, report, outputs = scanned
    assert report["findings"], "the BOLA gives findings with evidence and curl lines"
    assert len(set(log.issued)) > 3, "the app re-signed its session as the scan went"
    leaked = [value for value in set(log.issued) if value in outputs]
    signatures = [v.rsplit(".", 1)[-1] for v in set(log.issued) if v.rsplit(".", 1)[-1] in outputs]
    assert (len(leaked), len(signatures)) == (0, 0), leaked[:3]


def test_a_reproduction_keeps_the_cookie_name_and_says_whose(
    scanned: tuple[TrailLog, dict[str, Any], str],
) -> None:
    """A BOLA's curl line keeps ``Cookie: trails_session=`` and names the hiker whose it is."""
    _, report, _ = scanned
    (bola, *_) = [f for f in report["findings"] if f["check"] == "bola"]
    line = bola["reproduction"]
    assert f"{COOKIE}=[" in line, line
    assert any(f"[credential of {hiker}]" in line for hiker in ("ines", "oskar")), line


def test_show_secrets_shows_the_sessions(apiward: Cli, serve: Any, tmp_path: Path) -> None:
    """With --show-secrets the curl lines carry the sessions: the values were there to hide."""
    log = TrailLog(owned=False)
    url = serve(log.app(), wsgi=True).url
    _, outputs = _scan(apiward, url, tmp_path, "--checks", "bola", "--show-secrets")
    assert [value for value in set(log.issued) if value in outputs]
