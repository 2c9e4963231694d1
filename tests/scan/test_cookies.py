"""An identity's cookie jar: replaced by name and path, deleted, expired, sent under its path."""

from __future__ import annotations

from apiward.scan.cookies import Jar, parse


def test_a_later_set_cookie_replaces_the_value() -> None:
    """The same name and path set again keeps only the newest value."""
    jar = Jar()
    jar.update(["sid=one; Path=/; HttpOnly"], "/login")
    jar.update(["sid=two; Path=/"], "/me")
    assert jar.matching("/anything") == (("sid", "two"),)


def test_max_age_zero_and_a_past_expires_delete_the_cookie() -> None:
    """Logout-style answers remove the cookie; Max-Age wins over Expires."""
    jar = Jar()
    jar.update(["sid=abc; Path=/", "theme=dark; Path=/", "lang=en; Path=/"], "/")
    jar.update(
        [
            "sid=; Max-Age=0; Path=/",
            "theme=x; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/",
            "lang=fr; Max-Age=3600; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/",
        ],
        "/logout",
    )
    assert jar.matching("/") == (("lang", "fr"),)


def test_a_cookie_travels_only_under_its_path() -> None:
    """Path=/api reaches /api and /api/x, not /apiary or /; the default path is the directory."""
    jar = Jar()
    jar.update(["a=1; Path=/api"], "/login")
    jar.update(["b=2"], "/auth/login")
    assert jar.matching("/api/x") == (("a", "1"),)
    assert jar.matching("/api") == (("a", "1"),)
    assert jar.matching("/apiary") == ()
    assert jar.matching("/auth/refresh") == (("b", "2"),)
    assert dict(jar.matching()) == {"a": "1", "b": "2"}


def test_the_most_specific_path_wins_a_shared_name() -> None:
    """Two cookies of one name: the one with the longer matching path is sent."""
    jar = Jar()
    jar.update(["sid=root; Path=/", "sid=admin; Path=/admin"], "/")
    assert jar.matching("/admin/users") == (("sid", "admin"),)
    assert jar.matching("/users") == (("sid", "root"),)


def test_a_header_that_is_no_cookie_is_ignored() -> None:
    """A Set-Cookie without name=value sets nothing."""
    assert parse("garbage", "/") is None
    assert parse("=value", "/") is None
