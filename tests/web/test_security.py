"""The page's locks as pure units: loopback detection, the token rule, CSRF tokens, the Host check."""

from __future__ import annotations

import pytest

from smtpdoctor.web.config import ServeConfig, is_loopback
from smtpdoctor.web.security import Csrf, CsrfError, host_allowed, token_ok

TOKEN = "t0ken-for-the-tests-0123456789"


@pytest.mark.parametrize("host", ["127.0.0.1", "127.4.5.6", "::1", "[::1]", "localhost", "LOCALHOST"])
def test_loopback_names(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "example.com", "localhost.evil.test", ""])
def test_not_loopback(host):
    assert not is_loopback(host)


def test_default_binds_loopback_without_token():
    config = ServeConfig()
    assert config.host == "127.0.0.1" and config.token is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10"])
def test_other_binds_need_a_token(host):
    with pytest.raises(ValueError, match="needs an access token"):
        ServeConfig(host=host)
    assert ServeConfig(host=host, token=TOKEN).token == TOKEN


def test_short_token_refused():
    with pytest.raises(ValueError, match="at least 16"):
        ServeConfig(host="0.0.0.0", token="short")


def test_token_check():
    config = ServeConfig(host="0.0.0.0", token=TOKEN)
    assert not token_ok(config, cookie=None, bearer=None, query=None)
    assert not token_ok(config, cookie="wrong", bearer="wrong", query="wrong")
    assert token_ok(config, cookie=TOKEN, bearer=None, query=None)
    assert token_ok(config, cookie=None, bearer=TOKEN, query=None)
    assert token_ok(config, cookie=None, bearer=None, query=TOKEN)
    assert token_ok(ServeConfig(), cookie=None, bearer=None, query=None)  # loopback: no token asked


def test_csrf_round_trip_and_nonce():
    csrf = Csrf()
    cookie = Csrf.new_cookie()
    token = csrf.token(cookie)
    nonce = csrf.verify(cookie, token, origin=None, host="127.0.0.1:8025")
    assert token.startswith(nonce + ".")
    assert csrf.token(cookie) != token  # every form gets its own nonce


@pytest.mark.parametrize("case", ["no-cookie", "no-token", "other-cookie", "tampered", "other-key", "garbage"])
def test_csrf_rejects(case):
    csrf = Csrf()
    cookie = Csrf.new_cookie()
    token = csrf.token(cookie)
    cookie_sent, token_sent = {
        "no-cookie": (None, token),
        "no-token": (cookie, None),
        "other-cookie": (Csrf.new_cookie(), token),
        "tampered": (cookie, token[:-1] + ("0" if token[-1] != "0" else "1")),
        "other-key": (cookie, Csrf().token(cookie)),
        "garbage": (cookie, "a.b.c"),
    }[case]
    with pytest.raises(CsrfError):
        csrf.verify(cookie_sent, token_sent, origin=None, host="127.0.0.1:8025")


def test_csrf_rejects_other_origin():
    csrf = Csrf()
    cookie = Csrf.new_cookie()
    with pytest.raises(CsrfError, match="another site"):
        csrf.verify(cookie, csrf.token(cookie), origin="https://evil.example", host="127.0.0.1:8025")
    assert csrf.verify(cookie, csrf.token(cookie), origin="http://127.0.0.1:8025", host="127.0.0.1:8025")


@pytest.mark.parametrize("header,allowed", [
    ("127.0.0.1:8025", True), ("localhost:8025", True), ("[::1]:8025", True), ("127.0.0.1", True),
    ("evil.example:8025", False), ("evil.example", False), ("127.0.0.1.evil.example", False), (None, False),
    ("LOCALHOST:8025", True), ("[::1]", True),
    # malformed: a name after the literal, a userinfo, two ports, a space, an empty literal
    ("[::1].evil.example", False), ("[::1].evil.example:8025", False), ("[::1]evil", False),
    ("127.0.0.1@evil.example", False), ("127.0.0.1:8025:80", False), ("localhost evil.example", False),
    ("[]", False), ("[::1]:80x", False), ("localhost.evil.example", False),
])
def test_host_header_against_dns_rebinding(header, allowed):
    assert host_allowed(ServeConfig(), header) is allowed
    assert host_allowed(ServeConfig(host="0.0.0.0", token=TOKEN), header)  # the token guards instead
