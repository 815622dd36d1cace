"""Codes whose meaning depends on who answers, read as the field notes say (../shared/reference/field-notes.md):
Gmail's x.7.27 / x.7.29 / x.7.30 / 4.7.28 / 5.7.4, Yahoo's [TS03] and 5.7.9, Microsoft's 5.7.515. A Gmail
reply is matched by its class and its words, not only its exact code; a code alone says no Gmail meaning
for a server that is not Gmail."""

from __future__ import annotations

import pytest

from smtpdoctor.judge.explain.reply import explain_text
from smtpdoctor.judge.reply import classify

GMAIL_TLS = ("421-4.7.29 Your email has been rate limited because this message was not sent over a TLS connection.\n"
             "421 4.7.29 https://support.google.com/a/answer/81126")  # bulk_senders.toml's own tls reply


@pytest.mark.parametrize(("reply", "not_reason"), [
    ("550 5.7.30 Message refused", "failedstarttls"),  # RFC 8689 REQUIRETLS; Gmail: DKIM
    ("550 5.7.27 Message refused", "notaccept"),  # RFC 7505 null MX; Gmail: SPF
    ("550 5.7.29 Message refused", "authfailure"),  # RFC 8617 ARC; Gmail (4.7.29): TLS
])
def test_an_ambiguous_code_alone_asserts_no_one_meaning(reply, not_reason):
    got = classify(None, reply, phase="data")
    assert got.provider is None
    assert got.reason == "securityerror" and got.reason != not_reason, got
    assert got.finding in ("envelope.rejected", "envelope.deferred")


@pytest.mark.parametrize(("reply", "reason", "words"), [
    ("550 5.7.27 Your email has been blocked because SPF authentication didn't pass for this message.",
     "authfailure", "SPF"),
    ("550 5.7.30 Your email has been blocked because DKIM authentication didn't pass for this message.",
     "authfailure", "DKIM"),
    ("421 4.7.29 Your email has been rate limited because this message was not sent over a TLS connection.",
     "failedstarttls", "TLS"),
    ("550 5.7.4 Your email has been blocked because the sender's domain has no DMARC record.", "authfailure", "DMARC"),
    ("550 5.7.30 REQUIRETLS support required", "failedstarttls", "REQUIRETLS"),
    ("550 5.7.27 Sender address has null MX", "rejected", "null MX"),
    ("550 5.7.29 ARC validation failure", "authfailure", "ARC"),
])
def test_the_words_decide_an_ambiguous_code_for_any_server(reply, reason, words):
    """No gsmtp, no Google link: the reply's words say the cause."""
    got = classify(None, reply)
    assert (got.reason, got.provider) == (reason, None), got
    assert words in got.summary


@pytest.mark.parametrize(("reply", "words"), [
    ("421 4.7.32 Your email has been rate limited because the From: header (RFC5322) in this message isn't aligned "
     "with either the authenticated SPF or DKIM organizational domain.", "aligned"),
    ("550 5.7.1 message rejected: DKIM signature verification failed", "DKIM"),
    ("550 5.7.23 SPF validation failed", "SPF"),
    # both checks (or DMARC) named: not one of them alone
    ("550-5.7.26 This mail is unauthenticated. For this message, DKIM checks did not pass and SPF check for "
     "[example.com] did not pass with ip: [192.0.2.1].", "SPF, DKIM or DMARC"),
    ("550 5.7.1 Email rejected per DMARC policy for example.com: SPF fail and DKIM fail", "SPF, DKIM or DMARC"),
])
def test_the_check_named_is_the_cause_said(reply, words):
    got = classify(None, reply)
    assert got.reason == "authfailure" and words in got.summary, got.summary


def test_gmail_4_7_29_is_about_tls_not_speed():
    got = classify(None, GMAIL_TLS, phase="data", provider="gmail")
    assert (got.reason, str(got.category), got.finding) == ("failedstarttls", "connection", "envelope.tls-required")
    assert got.retryable is False  # sending again without TLS meets the same answer
    assert any("STARTTLS" in r for r in got.remedy)
    assert not any("slowly" in r for r in got.remedy)
    bare = classify(None, GMAIL_TLS)  # the Google link marks it as Gmail's
    assert (bare.provider, bare.reason, bare.retryable) == ("gmail", "failedstarttls", False)
    assert "TLS" in (bare.bulk_rule or "")  # the bulk-sender row `domain` shows


def test_gmail_tls_required_for_the_recipients_domain():
    reply = "421 4.7.0 TLS required for RCPT domain, closing connection. - gsmtp"
    got = classify(None, reply, phase="rcpt")
    assert (got.provider, got.reason, got.finding, got.retryable) == (
        "gmail", "failedstarttls", "envelope.tls-required", False)
    assert any("STARTTLS" in r for r in got.remedy)


def test_gmail_4_7_28_names_the_variant_and_googles_advice():
    dup = classify(None, "421-4.7.28 Gmail has detected an unusual rate of mail containing the same Message-ID "
                         "header. To protect our users from spam, mail has been temporarily rate limited. - gsmtp",
                   phase="data")
    assert (dup.reason, str(dup.category), dup.finding) == ("notcompliantrfc", "client", "envelope.duplicate-message-id")
    assert any("unique Message-ID" in r for r in dup.remedy)
    url = classify(None, "421 4.7.28 Gmail has detected an unusual rate of unsolicited mail containing one of your "
                         "URL domains. - gsmtp")
    assert url.reason == "badreputation" and "URL domain" in url.summary
    ip = classify(None, "421 4.7.28 Gmail has detected an unusual rate of unsolicited mail originating from your IP "
                        "address. - gsmtp", phase="data")
    assert ip.finding == "envelope.reputation-throttled" and "IP" in ip.summary
    for got in (dup, url, ip):
        assert any("10 minutes" in r and "one connection" in r for r in got.remedy), got.remedy


def test_gmail_4_7_28_finding_carries_googles_advice():
    from smtpdoctor.core import catalogue

    remedy = " ".join(catalogue.make("envelope.reputation-throttled", reply="r", command="DATA").remedy)
    assert "10 minutes" in remedy and "one connection" in remedy


@pytest.mark.parametrize("status", ["5.7.4", "5.7.40"])
def test_gmail_no_dmarc_record_whatever_digit_the_page_printed(status):
    got = classify(None, f"550-{status} Your email has been blocked because the sender's domain has no DMARC "
                         f"record. - gsmtp", phase="data")
    assert (got.provider, got.reason, got.finding) == ("gmail", "authfailure", "envelope.sender-authentication-failed")
    assert "DMARC" in got.summary


def test_gmail_5_7_80_is_bad_credentials():
    got = classify(None, "535 5.7.80 Username and Password not accepted. - gsmtp", phase="auth")
    assert (got.provider, got.finding) == ("gmail", "auth.credentials-rejected")


def test_gmail_5_7_30_from_the_report_path_is_dkim():
    got = classify(550, "Sender requirement failed: 550-5.7.30", enhanced="5.7.30", phase="data", host="google.com")
    assert (got.provider, got.reason) == ("gmail", "authfailure") and "DKIM" in got.summary


def test_yahoo_ts03_is_not_worth_retrying():
    reply = ("421 4.7.1 [TS03] All messages from 192.0.2.1 will be permanently deferred; Retrying will NOT "
             "succeed. See https://postmaster.yahooinc.com/error-codes")
    for phase in (None, "mail", "data"):
        got = classify(None, reply, phase=phase)
        assert got.provider == "yahoo" and got.retryable is False, (phase, got)
        assert not any("retry later" in r for r in got.remedy), got.remedy
        assert got.finding != "envelope.reputation-throttled"
    pasted = explain_text(reply).results[0].explanation
    assert pasted.reason == "blocked" and pasted.retryable is False
    temporary = classify(None, "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected "
                               "volume or user complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes")
    assert temporary.retryable is True and temporary.reason == "badreputation"


def test_yahoo_5_7_9_is_an_authentication_failure():
    got = classify(None, "554 5.7.9 Message not accepted for policy reasons. See "
                         "https://postmaster.yahooinc.com/error-codes", phase="data")
    # sisimai's reason (policyviolation) is kept, so the bounce corpus still agrees; the cause is authentication
    assert (got.provider, got.reason, str(got.category)) == ("yahoo", "policyviolation", "dns")
    assert "authentication" in got.summary
    assert got.finding == "envelope.sender-authentication-failed"
    ph01 = classify(None, "554 Message not allowed - [PH01] Email not accepted for policy reasons. Please visit "
                          "https://postmaster.yahooinc.com/error-codes")
    assert (ph01.provider, ph01.reason) == ("yahoo", "policyviolation")


def test_microsoft_5_7_515_as_printed_and_as_on_the_wire_read_alike():
    """Microsoft prints ``550; 5.7.515`` (an NDR's form); on the wire, as the lab sends it, it is ``550 5.7.515``."""
    text = "5.7.515 Access denied, sending domain [shop.example] does not meet the required authentication level."
    printed = explain_text(f"550; {text}").results[0].explanation
    wire = explain_text(f"550 {text}").results[0].explanation
    assert printed.key == wire.key
    assert (wire.provider, wire.reason, wire.replycode, wire.status) == ("microsoft", "authfailure", "550", "5.7.515")


@pytest.mark.parametrize("reply", [
    "450 4.7.4 TLS is required, but was not offered by host mx.example.com[192.0.2.1]",
    "454 4.7.0 TLS is required, but host mx.example.com[192.0.2.1] refused to start TLS: handshake failure",
])
def test_postfixs_own_tls_policy_is_not_the_receiver_asking_for_tls(reply):
    # Postfix says its own smtp_tls_security_level needs TLS and the receiving host lacks it: the opposite of
    # Gmail's "not sent over TLS", whose remedy (enable STARTTLS on the sender) would be wrong here
    got = classify(None, reply, phase="rcpt")
    assert got.finding != "envelope.tls-required" and got.retryable is True, got
    assert not any("Enable STARTTLS" in r for r in got.remedy), got.remedy


def test_another_servers_greylisting_that_says_retrying_will_not_succeed_yet_is_greylisting():
    got = classify(None, "451 4.7.1 Greylisted; retrying will not succeed before 300 seconds", phase="rcpt")
    assert (got.finding, got.retryable) == ("envelope.greylisted", True), got
