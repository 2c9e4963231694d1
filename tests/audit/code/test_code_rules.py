"""Every apiward code rule fires on a sample that has the flaw and stays silent on its fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from apiward.audit.code import BUILTIN, audit_code

# (rule id, vulnerable sample, safe sample); each sample is a whole module.
CASES = [
    (
        "route-without-auth",
        """
from fastapi import APIRouter
router = APIRouter(prefix="/api/accounts")
@router.delete("/{account_id}")
def close(account_id: int) -> None: ...
""",
        """
from typing import Annotated
from fastapi import APIRouter, Depends
def current_user() -> str: ...
Me = Annotated[str, Depends(current_user)]
router = APIRouter(prefix="/api/accounts")
@router.delete("/{account_id}")
def close(account_id: int, me: Me) -> None: ...
""",
    ),
    (
        "sql-injection",
        """
def search(db, q: str):
    return db.execute(f"SELECT * FROM transfers WHERE memo LIKE '%{q}%'")
""",
        """
MINE = "owner = :me"
def search(db, q: str, me: str):
    return db.execute(f"SELECT * FROM transfers WHERE {MINE} AND memo LIKE :q", {"q": q, "me": me})
""",
    ),
    (
        "template-injection",
        """
from jinja2 import Environment
ENV = Environment()
def preview(body):
    return ENV.from_string(body.template).render()
""",
        """
from jinja2 import Environment
ENV = Environment()
TEMPLATE = ENV.from_string("Hello {{ name }}")
def preview(body):
    return TEMPLATE.render(name=body.name)
""",
    ),
    (
        "jwt-unverified",
        """
import jwt
def claims(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})
""",
        """
import jwt
def claims(token: str, key: str) -> dict:
    return jwt.decode(token, key, algorithms=["HS256"])
""",
    ),
    (
        "tls-verify-off",
        """
import httpx
def fetch(url: str) -> bytes:
    return httpx.get(url, verify=False).content
""",
        """
import httpx
def fetch(url: str) -> bytes:
    return httpx.get(url, verify="/etc/ssl/private-ca.pem").content
""",
    ),
    (
        "cors-any-origin-with-credentials",
        """
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
app = FastAPI()
app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)
""",
        """
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
app = FastAPI()
app.add_middleware(CORSMiddleware, allow_origins=["https://app.example"], allow_credentials=True)
""",
    ),
    (
        "debug-mode",
        """
from fastapi import FastAPI
app = FastAPI(debug=True)
""",
        """
import os
from fastapi import FastAPI
app = FastAPI(debug=os.environ.get("APP_DEBUG") == "1")
""",
    ),
]


def _ids(path: Path, rule: str) -> list[int | None]:
    result = audit_code(path, bandit=False)
    return [
        f.location.line if f.location else None
        for f in result.findings
        if f.check == f"code.{rule}"
    ]


def _write(tmp_path: Path, source: str) -> Path:
    (tmp_path / "app.py").write_text(source.lstrip())
    return tmp_path


def test_every_rule_has_a_case() -> None:
    """Each built-in rule is covered by a vulnerable and a safe sample below."""
    assert {rule.id for rule in BUILTIN} == {case[0] for case in CASES}


@pytest.mark.parametrize(("rule", "vulnerable", "safe"), CASES, ids=[c[0] for c in CASES])
def test_rule_fires_on_vulnerable_sample(
    tmp_path: Path, rule: str, vulnerable: str, safe: str
) -> None:
    """The rule reports the flaw in the vulnerable sample."""
    assert _ids(_write(tmp_path, vulnerable), rule)


@pytest.mark.parametrize(("rule", "vulnerable", "safe"), CASES, ids=[c[0] for c in CASES])
def test_rule_is_silent_on_safe_sample(
    tmp_path: Path, rule: str, vulnerable: str, safe: str
) -> None:
    """The rule says nothing about the fixed sample."""
    assert _ids(_write(tmp_path, safe), rule) == []


def test_findings_carry_rule_metadata(tmp_path: Path) -> None:
    """A rule's finding names its check id, CWE, OWASP id, remediation, file, line and code."""
    path = _write(tmp_path, CASES[0][1])
    finding = next(f for f in audit_code(path, bandit=False).findings)
    assert finding.check == "code.route-without-auth"
    assert finding.owasp == "API2:2023"
    assert finding.cwe == "CWE-306"
    assert finding.operation == "DELETE /api/accounts/{account_id}"
    assert finding.severity == "high"  # a write without auth
    assert finding.location is not None
    assert finding.location.line == 4
    assert "def close" in finding.detail
    assert finding.remediation


AUTHENTICATED = {
    "router-dependencies": """
from fastapi import APIRouter, Depends
def require_user() -> None: ...
router = APIRouter(dependencies=[Depends(require_user)])
@router.post("/orders")
def create() -> None: ...
""",
    "include-router-dependencies": """
from fastapi import APIRouter, Depends, FastAPI
def verify_token() -> None: ...
orders = APIRouter()
@orders.post("/orders")
def create() -> None: ...
app = FastAPI()
app.include_router(orders, dependencies=[Depends(verify_token)])
""",
    "security-scheme-instance": """
from fastapi import APIRouter, Depends
from fastapi.security import HTTPBearer
bearer = HTTPBearer()
router = APIRouter()
@router.get("/orders")
def orders(credentials=Depends(bearer)) -> None: ...
""",
    "flask-login-required": """
from flask import Flask
from flask_login import login_required
app = Flask(__name__)
@app.route("/orders", methods=["POST"])
@login_required
def create() -> None: ...
""",
    "marked-public": """
from fastapi import APIRouter
router = APIRouter()
@router.get("/exchange-rates")  # apiward: public
def rates() -> None: ...
""",
}


@pytest.mark.parametrize("source", AUTHENTICATED.values(), ids=AUTHENTICATED.keys())
def test_route_auth_recognises_authentication(tmp_path: Path, source: str) -> None:
    """Router-level, include-level, scheme-instance and decorator auth all count; so does the marker."""
    assert _ids(_write(tmp_path, source), "route-without-auth") == []


def test_bandit_issue_becomes_a_finding(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """bandit runs as a library: its issue is a code.bandit.<id> finding and nothing is printed."""
    path = _write(
        tmp_path,
        "import subprocess\ndef run(cmd: str) -> None:\n    subprocess.call(cmd, shell=True)\n",
    )
    findings = [f for f in audit_code(path).findings if f.check.startswith("code.bandit.")]
    assert [f.check for f in findings] == ["code.bandit.B602", "code.bandit.B404"]  # worst first
    shell = findings[0]
    assert shell.severity == "high"  # bandit HIGH severity x HIGH confidence
    assert shell.cwe == "CWE-78"
    assert shell.location is not None
    assert shell.location.line == 3
    assert "shell=True" in shell.detail
    assert capsys.readouterr() == ("", "")


def test_an_auth_scheme_is_no_hardcoded_password(tmp_path: Path) -> None:
    """``token_type = "bearer"`` is OAuth's vocabulary; a real literal secret is still reported."""
    source = (
        'TOKEN_TYPE = "bearer"\n'
        'def login(user, scheme="Basic"):\n'
        '    return {"token": user, "token_type": "Bearer"}\n'
        'secret = "s3cr3t-value"\n'
    )
    findings = audit_code(_write(tmp_path, source)).findings
    flagged = [f.location.line for f in findings if f.check == "code.bandit.B105" and f.location]
    assert flagged == [4]
    assert not [f for f in findings if f.check in {"code.bandit.B106", "code.bandit.B107"}]


def test_missing_path_is_a_config_error(tmp_path: Path) -> None:
    """A path that does not exist ends in a ConfigError naming it."""
    from apiward.core.errors import ConfigError

    with pytest.raises(ConfigError, match="no such file or folder"):
        audit_code(tmp_path / "nope")


REFLECTING = """
ALLOWED = {"https://app.example"}
def _cors(origin: str) -> list[tuple[str, str]]:
    return [("access-control-allow-origin", origin), ("access-control-allow-credentials", "true")]
def middleware(headers: dict[str, str]) -> list[tuple[str, str]]:
    origin = headers["origin"]
    return _cors(origin)
"""


@pytest.mark.parametrize(
    ("source", "flagged"),
    [
        (REFLECTING, True),
        (
            REFLECTING.replace(
                "return _cors(origin)", "return _cors(origin) if origin in ALLOWED else []"
            ),
            False,
        ),
    ],
    ids=["unchecked", "checked-by-caller"],
)
def test_cors_reflection_checked_by_the_caller(tmp_path: Path, source: str, flagged: bool) -> None:
    """A helper echoing its origin parameter is fine when every caller compares it with an allow-list."""
    assert bool(_ids(_write(tmp_path, source), "cors-any-origin-with-credentials")) is flagged


SORTED = """
from flask import abort
COLUMNS = {{"date": "created_at", "amount": "amount_cents"}}
def listing(db, sort: str, q: str):
{body}
"""
ALLOW_LISTS = {
    "early-raise": "    if sort not in COLUMNS:\n        raise ValueError(sort)\n"
    '    return db.execute(f"SELECT * FROM t ORDER BY {sort}")',
    "flask-abort": "    if sort not in COLUMNS:\n        abort(400)\n"
    '    return db.execute(f"SELECT * FROM t ORDER BY {sort}")',
    "assert": '    assert sort in COLUMNS\n    return db.execute(f"SELECT * FROM t ORDER BY {sort}")',
    "lookup": '    return db.execute(f"SELECT * FROM t ORDER BY {COLUMNS[sort]}")',
    "get-with-default": "    column = COLUMNS.get(sort, 'created_at')\n"
    '    return db.execute(f"SELECT * FROM t ORDER BY {column}")',
}
NOT_ALLOW_LISTS = {
    "check-without-exit": "    if sort not in COLUMNS:\n        print('unknown sort')\n"
    '    return db.execute(f"SELECT * FROM t ORDER BY {sort}")',
    "get-defaulting-to-the-input": "    column = COLUMNS.get(sort, sort)\n"
    '    return db.execute(f"SELECT * FROM t ORDER BY {column}")',
    "another-name-checked": "    if sort not in COLUMNS:\n        raise ValueError(sort)\n"
    """    return db.execute(f"SELECT * FROM t WHERE memo LIKE '%{q}%' ORDER BY {sort}")""",
}


@pytest.mark.parametrize(
    ("body", "flagged"),
    [*((b, False) for b in ALLOW_LISTS.values()), *((b, True) for b in NOT_ALLOW_LISTS.values())],
    ids=[*ALLOW_LISTS, *NOT_ALLOW_LISTS],
)
def test_an_identifier_picked_from_an_allow_list_is_no_sql_injection(
    tmp_path: Path, body: str, flagged: bool
) -> None:
    """What the remediation asks for is not reported; a check that does not stop, or a
    default that is the input again, still is."""
    source = SORTED.format(body=body)
    assert bool(_ids(_write(tmp_path, source), "sql-injection")) is flagged


FALCON = """
import falcon
import falcon.asgi

class Orders:
    async def on_get(self, req, resp):
        resp.media = []

    async def on_post(self, req, resp):
        resp.media = {{}}

class Order:
    async def on_delete(self, req, resp, order_id):
        resp.status = falcon.HTTP_204

class Health:
    async def on_get(self, req, resp):
        resp.media = {{"ok": True}}

{extra}
app = falcon.asgi.App({middleware})
app.add_route("/orders", Orders())
order = Order()
app.add_route("/orders/{{order_id}}", order)
app.add_route("/health", Health())
"""


@pytest.mark.parametrize(
    ("middleware", "extra", "unauthenticated"),
    [
        ("", "", [5, 8, 12]),
        ("middleware=[AuthMiddleware()]", "class AuthMiddleware: ...", []),
        (
            "middleware=[Gate()]",
            "class Gate:\n    async def process_request(self, req, resp):\n"
            "        if not req.get_header('Authorization'):\n"
            "            raise falcon.HTTPUnauthorized()",
            [],
        ),
        ("middleware=[Timing()]", "class Timing: ...", [5, 8, 12]),
    ],
    ids=["no-middleware", "auth-middleware", "middleware-reading-the-header", "other-middleware"],
)
def test_falcon_resources_are_routes(
    tmp_path: Path, middleware: str, extra: str, unauthenticated: list[int]
) -> None:
    """Each ``on_<verb>`` of a resource added with ``add_route`` is a route; an app-wide
    authentication middleware covers them all; ``/health`` is public by design."""
    source = FALCON.format(middleware=middleware, extra=extra)
    assert sorted(_ids(_write(tmp_path, source), "route-without-auth")) == unauthenticated


def test_a_falcon_responder_that_checks_its_caller_or_a_before_hook_is_authenticated(
    tmp_path: Path,
) -> None:
    """``@falcon.before(require_user)`` on a class or responder, or reading ``req.context.user``."""
    source = """
import falcon

def require_user(req, resp, resource, params):
    if req.context.user is None:
        raise falcon.HTTPUnauthorized()

@falcon.before(require_user)
class Orders:
    def on_get(self, req, resp): ...

class Order:
    @falcon.before(require_user)
    def on_delete(self, req, resp, order_id): ...

    def on_get(self, req, resp, order_id):
        if req.context.user is None:
            raise falcon.HTTPUnauthorized()

    def on_put(self, req, resp, order_id): ...

app = falcon.App()
app.add_route("/orders", Orders())
app.add_route("/orders/{order_id}", Order())
"""
    assert _ids(_write(tmp_path, source), "route-without-auth") == [19]
