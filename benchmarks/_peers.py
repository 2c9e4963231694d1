"""The peers apiward is measured against: install each in its own venv, run it, read its output.

Each peer lives in ``.bench/<tool>/venv`` (created on first use with ``python -m venv`` and
pip), so its pins never touch apiward's environment. A peer that cannot be installed,
crashes or times out is reported in one line; the benchmark goes on without it.
"""

from __future__ import annotations

import json
import re
import subprocess
import venv
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import yaml

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / ".bench"

SCHEMATHESIS = "schemathesis==4.32.5"
OFFAT = "offat==0.19.4"
# schemathesis's own security checks; every other code is conformance (status codes, schemas).
ST_SECURITY = frozenset({"ST401", "ST402"})
_OPERATION = re.compile(r"^[A-Z]+ /")


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """Command-line choices shared by every run."""

    max_examples: int
    timeout: float


class PeerError(Exception):
    """A peer could not be installed or run: one line for the report."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Flags:
    """What a peer flagged: operation (``METHOD /template``) → the labels that flagged it."""

    by_operation: Mapping[str, frozenset[str]]
    note: str = ""


def ensure(tool: str, requirement: str) -> Path:
    """The peer's own venv's ``bin`` folder, created and installed on first use."""
    home = BENCH / tool / "venv"
    stamp = home / ".installed"
    if stamp.exists() and stamp.read_text() == requirement:
        return home / "bin"
    print(f"  installing {requirement} into {home.relative_to(ROOT)} (first run only)...")
    venv.EnvBuilder(with_pip=True, clear=True).create(home)
    pip = [str(home / "bin" / "python"), "-m", "pip", "install", "--quiet", requirement]
    done = subprocess.run(pip, capture_output=True, text=True, check=False, timeout=900)
    if done.returncode != 0:
        raise PeerError(f"pip install {requirement} failed: {_last_line(done.stderr)}")
    stamp.write_text(requirement)
    return home / "bin"


def workdir(tool: str, run: str) -> Path:
    """A clean folder for one run of a peer (its reports, caches, databases)."""
    folder = BENCH / tool / "runs" / run
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*"):
        if old.is_file():
            old.unlink()
    return folder


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else "(no output)"


# schemathesis ---------------------------------------------------------------------------


def wfc_auth(identities: Path) -> tuple[dict[str, Any], list[str]]:
    """apiward's identities file as a Web Fuzzing Commons auth document, and the peer names.

    Every identity with a login becomes a WFC login entry (JSON or form body sent raw, so
    an OAuth2 ``grant_type`` survives); users sharing a role are schemathesis ``peers``.
    """
    document = yaml.safe_load(identities.read_text())
    entries, roles = [], {}
    for identity in document["identities"]:
        login = identity.get("login")
        if login is None:
            continue
        entries.append({"name": identity["name"], "loginEndpointAuth": _wfc_login(login)})
        roles.setdefault(identity.get("role"), []).append(identity["name"])
    peers = next((names for names in roles.values() if len(names) > 1), [])
    return {"auth": entries}, peers


def _wfc_login(login: Mapping[str, Any]) -> dict[str, Any]:
    method, path = login["operation"].split(" ", 1)
    if "form" in login:
        raw, content_type = urlencode(login["form"]), "application/x-www-form-urlencoded"
    else:
        raw, content_type = json.dumps(login["json"]), "application/json"
    return {
        "endpoint": path,
        "verb": method,
        "contentType": content_type,
        "payloadRaw": raw,
        "token": {
            "extractFrom": "body",
            "extractSelector": "/" + login["token"].replace(".", "/"),
            "sendIn": "header",
            "sendName": login.get("header", "Authorization"),
            "sendTemplate": login.get("prefix", "") + "{token}",
        },
    }


def schemathesis_command(
    bin_dir: Path, folder: Path, url: str, identities: Path, max_examples: int
) -> list[str]:
    """``st run`` with every identity as a WFC user, the customers as peers, bounded examples."""
    auth, peers = wfc_auth(identities)
    (folder / "wfc.json").write_text(json.dumps(auth, indent=2))
    toml = f'[auth.wfc]\npath = "{folder / "wfc.json"}"\n'
    if peers:
        toml += "peers = [" + ", ".join(f'"{p}"' for p in peers) + "]\n"
    (folder / "schemathesis.toml").write_text(toml)
    return [
        str(bin_dir / "schemathesis"),
        "--config-file",
        str(folder / "schemathesis.toml"),
        "--no-color",
        "run",
        f"{url}/openapi.json",
        "--max-examples",
        str(max_examples),
        "--seed",
        "1",
        "--generation-database",
        "none",  # no examples carried over from an earlier run
        "--report",
        "json",
        "--report-json-path",
        str(folder / "report.json"),
    ]


def schemathesis_flags(folder: Path) -> Flags:
    """Operations schemathesis reported a failure on, labelled by failure code."""
    path = folder / "report.json"
    if not path.exists():
        raise PeerError("schemathesis wrote no JSON report")
    report = json.loads(path.read_text())
    flagged: dict[str, set[str]] = {}
    for failure in report.get("failures", []):
        # "Stateful tests" and the like name a phase, not an operation.
        for operation in filter(_OPERATION.match, failure.get("operations", [])):
            flagged.setdefault(operation, set()).add(failure["code"])
    cases = report.get("test_cases", {})
    note = f"{cases.get('generated', '?')} test cases, {len(report.get('errors', []))} errors"
    return Flags(by_operation={op: frozenset(c) for op, c in flagged.items()}, note=note)


# OFFAT ----------------------------------------------------------------------------------


def offat_command(bin_dir: Path, folder: Path, url: str, token: str) -> list[str]:
    """``offat`` with alice's bearer token as a global header, JSON results."""
    return [
        str(bin_dir / "offat"),
        "-f",
        f"{url}/openapi.json",
        "--server",
        url,
        "-H",
        f"Authorization: Bearer {token}",
        "-of",
        "json",
        "-o",
        str(folder / "results.json"),
    ]


def offat_flags(folder: Path, templates: Iterable[str]) -> Flags:
    """Operations with a result OFFAT marked vulnerable or as a data leak, by test name."""
    path = folder / "results.json"
    if not path.exists():
        raise PeerError("OFFAT wrote no JSON results")
    results = json.loads(path.read_text()).get("results", [])
    resolve = _resolver(templates)
    flagged: dict[str, set[str]] = {}
    for result in results:
        labels = {result["test_name"]} if result.get("vulnerable") else set()
        if result.get("data_leak"):
            labels.add("data leak")
        if labels:
            path_ = result.get("endpoint") or urlsplit(result.get("url", "")).path
            operation = f"{result.get('method', '?').upper()} {resolve(path_)}"
            flagged.setdefault(operation, set()).update(labels)
    errors = sum(1 for r in results if r.get("error"))
    note = f"{len(results)} results, {errors} with errors"
    return Flags(by_operation={op: frozenset(c) for op, c in flagged.items()}, note=note)


def _resolver(templates: Iterable[str]) -> Any:
    """Map a concrete path OFFAT sent (params replaced by payloads) back to its template.

    A literal template wins; else the matching template with the fewest parameters.
    """
    literal = {t for t in templates if "{" not in t}
    patterns = sorted(
        ((t.count("{"), re.compile(_pattern(t)), t) for t in templates if "{" in t),
        key=lambda item: item[0],
    )

    def resolve(path: str) -> str:
        if path in literal:
            return path
        return next((t for _, rx, t in patterns if rx.fullmatch(path)), path)

    return resolve


def _pattern(template: str) -> str:
    parts = re.split(r"(\{[^}]+\})", template)
    return "".join(".+" if p.startswith("{") else re.escape(p) for p in parts)


def run(command: list[str], folder: Path, timeout: float) -> subprocess.CompletedProcess[str]:
    """Run a tool in its own folder, bounded by ``timeout`` seconds; output kept in files."""
    try:
        return subprocess.run(
            command, cwd=folder, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as error:
        raise PeerError(f"timed out after {timeout:.0f} s") from error
    except OSError as error:
        raise PeerError(f"cannot start {command[0]}: {error.strerror}") from error
