"""Every message smtpdoctor sends (``diagnose --send``'s probe message) passes smtpdoctor's own
``headers`` check: the header rules of the bulk-sender requirements find nothing wrong with it."""

from __future__ import annotations

import datetime as dt

import pytest

from smtpdoctor.flows.headers import check_message
from smtpdoctor.core.model import Severity, Step
from smtpdoctor.observe.submission import test_message as build

from flows.conftest import delivered, dkim_key, resolver, shop_dns, sign  # noqa: F401 (fixtures)

pytestmark = pytest.mark.realserver
NOW = dt.datetime(2026, 12, 6, 15, 59, 58, tzinfo=dt.timezone.utc)


def _crlf(msg: bytes) -> bytes:
    return msg.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


@pytest.mark.parametrize("url", [None, "https://shop.test/unsubscribe/42"])
async def test_probe_message_passes_its_own_headers_check(resolver, dkim_key, url):
    raw = _crlf(build("news@shop.test", "alice@example.net", helo="mail.shop.test", now=NOW, unsubscribe_url=url))
    msg = delivered(sign(raw, dkim_key[0]))
    report, _ = await check_message(msg, resolver, source="probe", bulk=False)
    problems = [f.id for f in report.findings if f.severity in (Severity.ERROR, Severity.WARNING)]
    assert problems == [], problems
    message_rules = [f.id for f in report.findings if f.step is Step.CLIENT_SETTINGS]
    assert "message.headers-ok" in message_rules
    if url is None:  # mailto only: no List-Unsubscribe-Post, which RFC 8058 would not allow
        assert b"List-Unsubscribe-Post" not in raw
        assert "message.unsubscribe-no-one-click" in message_rules
    else:
        assert "message.unsubscribe-ok" in message_rules


def test_post_header_needs_an_https_uri():
    raw = build("a@shop.test", "b@example.net", helo="h", unsubscribe_url="http://shop.test/u")
    assert b"List-Unsubscribe-Post" not in raw and b"http://" not in raw
