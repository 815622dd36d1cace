"""The per-source tally, the classes of sources, and a rejection written into a report read with the
project's reply classifier. Literal records in, findings out."""

from __future__ import annotations

import pytest

from smtpdoctor.judge.reports import DmarcTally, TlsTally, classify_source, dmarc_findings, service_for, tls_findings
from smtpdoctor.protocol.dmarc_report import AggregateRecord, AggregateReport
from smtpdoctor.protocol.tlsrpt import TlsFailure, TlsPolicy, TlsReport


def rec(ip, count, dkim="fail", spf="fail", reasons=()):
    return AggregateRecord(source_ip=ip, count=count, disposition="none", dkim=dkim, spf=spf, reasons=reasons,
                           header_from="shop.example")


def report(*records, org="google.com"):
    return AggregateReport(org_name=org, email="", report_id="1", begin=1733443200, end=1733529599,
                           domain="shop.example", p="reject", records=records)


def tally(*records) -> DmarcTally:
    t = DmarcTally()
    t.add(report(*records))
    return t


def test_sources_are_classed():
    t = tally(rec("192.0.2.1", 100, dkim="pass"), rec("192.0.2.1", 1),  # 99 % pass: compliant
              rec("198.51.100.7", 40),                                # SendGrid by PTR, failing
              rec("203.0.113.9", 5, reasons=(("forwarded", ""),)),     # the reporter says forwarded
              rec("209.85.220.41", 3),                                 # Google re-sending: forwarded
              rec("233.252.0.1", 7))                                   # nobody we know
    ptrs = {"198.51.100.7": "o1.ptr1234.sendgrid.net", "209.85.220.41": "mail-sor-f41.google.com"}
    classes = {ip: classify_source(s, service_for(ptrs.get(ip))) for ip, s in t.sources.items()}
    assert classes == {"192.0.2.1": "compliant", "198.51.100.7": "service-not-set-up", "203.0.113.9": "forwarded",
                       "209.85.220.41": "forwarded", "233.252.0.1": "unknown"}
    assert (t.messages, t.dmarc_pass, t.sources["192.0.2.1"].dkim_aligned) == (156, 100, 100)
    found = {f.id: f for f in dmarc_findings(t, ptrs)}
    f = found["dmarc-report.service-not-set-up"]
    assert f.title == "SendGrid (Twilio) sends as shop.example without passing DMARC: 40 messages from 1 IPs"
    assert any("Domain Authentication in SendGrid" in r for r in f.remedy)
    assert found["dmarc-report.unknown-senders"].title.startswith("1 unknown sources sent 7 messages")
    assert found["dmarc-report.forwarded"].evidence["ips"] == ["203.0.113.9", "209.85.220.41"]
    assert t.days == {"2024-12-06": [156, 100]}


def test_google_rejection_in_a_report_is_explained_by_the_reply_classifier():
    text = ("Sender requirement failed: 550-5.7.26 Unauthenticated email from shop.example is not accepted due "
            "to domain's DMARC policy")
    t = tally(rec("192.0.2.50", 12, reasons=(("local_policy", text),)))
    found = [f for f in dmarc_findings(t, {}) if f.id == "dmarc-report.rejected"]
    assert len(found) == 1 and found[0].evidence["explanation"]["reason"] == "authfailure"
    assert found[0].title.startswith("12 messages from 192.0.2.50 were rejected:")


GOOGLE_COMMENTS = [  # what Google writes into <reason><comment> (field notes), and what each code means at Gmail
    ("550-5.7.30", "authfailure", "DKIM"),
    ("421-4.7.30", "authfailure", "DKIM"),
    ("550-5.7.27", "authfailure", "SPF"),
    ("421-4.7.27", "authfailure", "SPF"),
    ("421-4.7.29", "failedstarttls", "TLS"),
    ("421-4.7.32", "authfailure", "aligned"),
    ("550-5.7.25", "requireptr", "PTR"),
]


@pytest.mark.parametrize(("code", "reason", "word"), GOOGLE_COMMENTS)
def test_google_report_comments_are_read_with_gmails_meanings(code, reason, word):
    """Google's report names no provider in the comment: the reporter does (an RFC's x.7.30 is REQUIRETLS,
    x.7.27 a null MX; at Gmail they are DKIM and SPF)."""
    t = tally(rec("192.0.2.50", 3, reasons=(("local_policy", f"Sender requirement failed: {code}"),)))
    (found,) = [f for f in dmarc_findings(t, {}) if f.id == "dmarc-report.rejected"]
    exp = found.evidence["explanation"]
    assert (exp["reason"], exp["provider"]) == (reason, "gmail"), exp
    assert word in exp["summary"], exp["summary"]


def test_a_report_comment_of_another_reporter_gets_no_gmail_meaning():
    t = DmarcTally()
    t.add(report(rec("192.0.2.50", 3, reasons=(("local_policy", "Sender requirement failed: 550-5.7.30"),)),
                 org="receiver.example"))
    (found,) = [f for f in dmarc_findings(t, {}) if f.id == "dmarc-report.rejected"]
    exp = found.evidence["explanation"]
    assert exp["provider"] is None and exp["reason"] not in ("failedstarttls", "authfailure"), exp


def test_tls_failures_by_type_and_mx():
    t = TlsTally()
    t.add(TlsReport(org_name="g", report_id="1", start="", end="", contact="", policies=(
        TlsPolicy(policy_type="sts", policy_domain="shop.example", mx_hosts=("mx1.shop.example",), successful=90,
                  failed=10, failures=(TlsFailure(result_type="certificate-expired", count=10,
                                                  receiving_mx="mx1.shop.example"),)),)))
    (f,) = tls_findings(t)
    assert f.id == "tls-report.failures" and f.title.startswith("10 of 100 TLS sessions to shop.example failed (10.0 %)")
    assert f.evidence["by_mx"] == [{"mx": "mx1.shop.example", "type": "certificate-expired", "sessions": 10}]


def test_the_sender_classes_are_read_through_the_knowledge_cache(tmp_path, monkeypatch):
    import sys
    import tomllib

    from smtpdoctor.core.toml_cache import knowledge_toml
    from smtpdoctor.judge import reports

    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    monkeypatch.setattr(sys, "pycache_prefix", str(tmp_path))
    knowledge_toml("senders.toml")  # parsed once, kept under the prefix
    for name in ("load", "loads"):
        monkeypatch.setattr(tomllib, name, lambda *a, **k: (_ for _ in ()).throw(AssertionError("parsed again")))
    reports._services.cache_clear()
    try:
        assert service_for("o1.ptr1234.sendgrid.net").name == "SendGrid (Twilio)"
        assert service_for("mail-sor-f41.google.com").key == "google" and service_for("mx.example") is None
    finally:
        reports._services.cache_clear()
