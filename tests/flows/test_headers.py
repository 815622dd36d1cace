"""``headers`` end to end over a real Knot: DKIM verified with keys fetched through the resolver, SPF for
the handing-over IP, DMARC alignment, the receiver's results compared, the bulk-sender rules."""

from __future__ import annotations

import pytest

from smtpdoctor.flows.headers import BadMessage, check_message
from smtpdoctor.core.model import Category, Severity

from .conftest import delivered, marketing_message, sign

pytestmark = pytest.mark.realserver


def ids(report, severity=None):
    return [f.id for f in report.findings if severity is None or f.severity is severity]


async def test_signed_compliant_message_passes(resolver, dkim_key):
    msg = delivered(sign(marketing_message(), dkim_key[0]),
                    authres="mx.example.net; dkim=pass header.d=shop.test; spf=pass smtp.mailfrom=bounce@shop.test; "
                            "dmarc=pass header.from=shop.test")
    report, obs = await check_message(msg, resolver, source="t.eml", bulk=True)
    assert report.verdict.category is Category.OK, report.verdict
    for fid in ("message.dkim-pass", "message.spf-pass", "message.dmarc-pass", "message.unsubscribe-ok",
                "message.headers-ok", "message.feedback-id-ok", "hops.tls", "ptr.ok", "message.auth-agrees"):
        assert fid in ids(report), fid
    assert report.finding("message.dmarc-pass").title == "DMARC passes for shop.test (via SPF and DKIM d=shop.test)"
    assert ids(report, Severity.ERROR) == [] and ids(report, Severity.WARNING) == []
    assert obs.handover.ip == "192.0.2.25" and obs.authserv_id == "mx.example.net"
    assert report.to_json()["hops"][0]["tls_version"] == "TLSv1.3"


async def test_body_altered_in_transit_is_explained(resolver, dkim_key):
    signed = sign(marketing_message(), dkim_key[0])
    altered = signed.replace(b"Spring sale!", b"Spring sale! -- sent via list")
    msg = delivered(altered, ip="198.51.100.9", return_path="bounce@esp.test",
                    authres="mx.example.net; dkim=pass header.d=shop.test; spf=pass smtp.mailfrom=bounce@esp.test")
    report, _ = await check_message(msg, resolver, source="t.eml")
    fail = report.finding("message.dkim-fail")
    assert fail is not None and "body hash" in fail.title and "The body changed after it was signed" in fail.detail
    assert "message.spf-unaligned" in ids(report)  # SPF passes for esp.test, not aligned with shop.test
    assert report.finding("message.dmarc-fail").title.endswith("(policy reject)")
    differs = report.finding("message.auth-differs")
    assert differs.title == "The receiver said dkim=pass, smtpdoctor finds dkim=fail for d=shop.test"
    assert report.verdict.finding == "message.dkim-fail"


async def test_unsigned_message_from_unlisted_ip(resolver):
    msg = delivered(marketing_message(post=False, unsubscribe="<mailto:u@shop.test>"), ip="203.0.113.5", tls=False)
    report, _ = await check_message(msg, resolver, source="t.eml")
    errors = ids(report, Severity.ERROR)
    for fid in ("message.dkim-none", "message.spf-fail", "message.dmarc-fail", "ptr.missing"):
        assert fid in errors, fid
    assert "hops.no-tls" in ids(report, Severity.WARNING)
    assert "message.unsubscribe-no-one-click" in ids(report, Severity.INFO)  # not --bulk: informational
    assert report.finding("message.spf-fail").title.startswith("SPF fail for 203.0.113.5")


async def test_one_click_must_be_https_and_signed(resolver, dkim_key):
    bad = delivered(sign(marketing_message(unsubscribe="<mailto:u@shop.test>"), dkim_key[0]))
    report, _ = await check_message(bad, resolver, source="t.eml")
    assert "message.unsubscribe-post-without-https" in ids(report, Severity.ERROR)
    unsigned = delivered(sign(marketing_message(), dkim_key[0], headers=("from", "to", "subject", "date")))
    report, _ = await check_message(unsigned, resolver, source="t.eml")
    f = report.finding("message.unsubscribe-not-signed")
    assert f is not None and "List-Unsubscribe, List-Unsubscribe-Post" in f.title


async def test_not_a_message_is_refused(resolver):
    with pytest.raises(BadMessage, match="not a message"):
        await check_message(b"hello there, this is not mail", resolver, source="x.txt")
