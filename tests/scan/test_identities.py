"""The identities file: the demo's loads; mistakes name the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from apiward.core.errors import ConfigError
from apiward.demo import IDENTITIES
from apiward.scan import load_identities
from apiward.scan.identities import read_identities_file


def test_demo_identities_load() -> None:
    """The demo file gives four logins (JSON and form) and an anonymous identity."""
    identities = load_identities(str(IDENTITIES))
    by_name = {i.name: i for i in identities}
    assert by_name["bob"].login is not None
    assert by_name["bob"].login.form
    assert by_name["alice"].login is not None
    assert by_name["alice"].login.path == "/api/v2/auth/login"
    assert by_name["anonymous"].anonymous
    assert "alice-wonderland-2026" in by_name["alice"].secrets()
    assert "alice" not in by_name["alice"].secrets()


def test_static_headers_cookies_and_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fixed headers and cookies are supported; ${VAR} comes from the environment."""
    monkeypatch.setenv("CI_KEY", "k-secret-1")
    path = tmp_path / "ids.yaml"
    path.write_text(
        "identities:\n  - name: bot\n    headers: {X-API-Key: '${CI_KEY}'}\n"
        "    cookies: {session: abc123}\n"
    )
    (bot,) = load_identities(path)
    assert bot.headers == {"X-API-Key": "k-secret-1"}
    assert bot.cookies == {"session": "abc123"}
    assert not bot.anonymous


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("identities: [", 1, "not valid YAML"),
        ("people: []\n", 1, "'identities' must be a non-empty list"),
        ("identities:\n  - role: x\n", 2, "needs a 'name'"),
        ("identities:\n  - name: a\n    colour: red\n", 3, "unknown key 'colour'"),
        (
            "identities:\n  - name: a\n    login:\n      operation: FETCH /x\n      json: {}\n",
            4,
            "METHOD /path",
        ),
        (
            "identities:\n  - name: a\n    login:\n      operation: POST /x\n",
            4,
            "needs credentials",
        ),
        (
            "identities:\n  - name: a\n    login:\n      operation: POST /x\n"
            "      json: {u: a}\n      form: {u: a}\n",
            4,
            "not both",
        ),
        ("identities:\n  - name: a\n  - name: a\n", 3, "defined twice"),
        ("identities:\n  - name: a\n    headers: {K: '${APIWARD_UNSET_VAR}'}\n", 3, "not set"),
        ("identities:\n  - name: a\n    rank: high\n", 3, "rank must be an integer"),
        ("identities:\n  - name: a\n    basic: {username: a}\n", 3, "'username' and 'password'"),
        (
            "identities:\n  - name: a\n    login:\n      operation: POST /x\n"
            "      query: {u: a}\n      cookie: x\n",
            6,
            "unknown key 'cookie' in login",
        ),
    ],
    ids=[
        "yaml",
        "no-list",
        "no-name",
        "unknown-key",
        "bad-operation",
        "no-credentials",
        "json-and-form",
        "twice",
        "env",
        "rank",
        "basic",
        "unknown-login-key",
    ],
)
def test_mistakes_name_file_and_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    """Each mistake is one ConfigError with the file, the line and what is wrong."""
    path = tmp_path / "ids.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as caught:
        load_identities(path)
    assert caught.value.source == str(path)
    assert caught.value.line == line


def test_values_in_the_identities_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A top-level 'values:' mapping gives test data by name, as text, ${VAR} expanded."""
    monkeypatch.setenv("PROMO", "WELCOME50")
    path = tmp_path / "ids.yaml"
    path.write_text(
        "identities:\n  - name: a\n    headers: {K: v}\n"
        "values:\n  code: '${PROMO}'\n  amount: 12.5\n  notify: true\n"
    )
    loaded = read_identities_file(path)
    assert dict(loaded.values) == {"code": "WELCOME50", "amount": "12.5", "notify": "true"}
    assert [i.name for i in loaded.identities] == ["a"]
    assert load_identities(path) == loaded.identities


@pytest.mark.parametrize(
    ("values", "line", "message"),
    [
        ("values: [code]\n", 3, "'values' must be a mapping"),
        ("values:\n  code: [a, b]\n", 4, "values.code must be a string, number or boolean"),
        ("values:\n  code: {a: 1}\n", 4, "values.code must be a string, number or boolean"),
        ("values:\n  code:\n", 4, "values.code must be a string, number or boolean"),
        ("value:\n  code: x\n", 3, "unknown key 'value'"),
    ],
    ids=["list", "list-value", "mapping-value", "null-value", "typo"],
)
def test_bad_values_name_file_and_line(
    tmp_path: Path, values: str, line: int, message: str
) -> None:
    """A 'values:' that is not a mapping of scalars is one ConfigError with file and line."""
    path = tmp_path / "ids.yaml"
    path.write_text("identities:\n  - name: a\n" + values)
    with pytest.raises(ConfigError, match=message) as caught:
        read_identities_file(path)
    assert (caught.value.source, caught.value.line) == (str(path), line)


def test_every_login_shape_loads(tmp_path: Path) -> None:
    """Query, basic (static or sent to a login), cookie-only logins and rank all load."""
    path = tmp_path / "ids.yaml"
    path.write_text(
        "identities:\n"
        "  - name: q\n    rank: 2\n"
        "    login: {operation: GET /login, query: {user: q, pass: q-secret-1}}\n"
        "  - name: b\n    basic: {username: b, password: b-secret-1}\n"
        "  - name: bt\n    login:\n      operation: POST /token\n"
        "      basic: {username: bt, password: bt-secret-1}\n      token: data.token\n"
        "  - name: c\n    login: {operation: POST /session, form: {user: c, pw: c-secret-1}}\n"
    )
    q, b, bt, c = load_identities(path)
    assert q.rank == 2
    assert b.rank is None
    assert q.login is not None
    assert dict(q.login.query) == {"user": "q", "pass": "q-secret-1"}
    assert q.login.body == {}
    assert b.basic is not None
    assert b.login is None
    assert not b.anonymous
    assert b.basic.header() == "Basic Yjpi" + "LXNlY3JldC0x"
    assert bt.login is not None
    assert bt.login.basic is not None
    assert bt.login.token == "data.token"
    assert c.login is not None
    assert c.login.token is None, "no token: the defaults apply at login"
    assert "q-secret-1" in q.secrets()
    assert "q" not in q.secrets()
    assert {"b-secret-1", "Yjpi" + "LXNlY3JldC0x"} <= set(b.secrets())
    assert "bt-secret-1" in bt.secrets()


def test_oauth_protocol_words_are_not_secrets(tmp_path: Path) -> None:
    """A password-grant login's `grant_type: password` and `scope` are words, not credentials."""
    path = tmp_path / "ids.yaml"
    path.write_text(
        "identities:\n"
        "  - name: kim\n"
        "    login:\n"
        "      operation: POST /oauth/token\n"
        "      form: {grant_type: password, scope: read write, username: kim,\n"
        "             password: kim-Secret-77, client_id: web, client_secret: s3cr3t-xyz}\n"
    )
    (kim,) = load_identities(path)
    assert set(kim.secrets()) == {"kim-Secret-77", "s3cr3t-xyz"}


def test_step_up_operations_in_the_identities_file(tmp_path: Path) -> None:
    """``step_up:`` takes one operation or a list, as METHOD /path; anything else names the line."""
    path = tmp_path / "ids.yaml"
    base = "identities:\n  - name: a\n    headers: {X-Key: k}\n"
    path.write_text(base + "step_up: [post /pin/verify, POST /mfa]\n")
    assert read_identities_file(path).step_up == ("POST /pin/verify", "POST /mfa")
    path.write_text(base + "step_up: /pin/verify\n")
    with pytest.raises(ConfigError) as raised:
        read_identities_file(path)
    assert raised.value.line == 4
    assert "METHOD /path" in raised.value.message
