"""The one reply classifier at a known phase: AUTH and envelope replies into findings, with real replies of
Postfix, Dovecot, Gmail, Microsoft and Yahoo (shapes from the field notes and the servers' own sources)."""

from __future__ import annotations

import time

import pytest

from smtpdoctor.core import catalogue, providers
from smtpdoctor.judge.auth import classify_auth, classify_auth_offer, classify_sasl_error
from smtpdoctor.judge import reply as judge_reply
from smtpdoctor.judge.reply import classify, to_finding
from smtpdoctor.judge.reply_rules import knowledge
from smtpdoctor.core.model import Category, Severity, Step
from smtpdoctor.core.redact import MASK, Redactor
from smtpdoctor.core.settings import Secret
from smtpdoctor.protocol.sasl import SaslError, create

def classify_envelope(stage, code, enhanced, text, provider=None):
    if not isinstance(text, str):
        text = "\n".join(text)
    return classify(code, text, enhanced=enhanced, phase=stage, provider=provider)


AUTH_CASES = [
    (235, "2.7.0 Authentication successful", "auth.ok"),
    (235, "Authentication succeeded", "auth.ok"),
    (535, "5.7.8 Error: authentication failed: authentication failure", "auth.credentials-rejected"),
    (535, ["5.7.8 Username and Password not accepted. For more information, go to",
           "5.7.8  https://support.google.com/mail/?p=BadCredentials - gsmtp"], "auth.credentials-rejected"),
    (535, "Incorrect authentication data", "auth.credentials-rejected"),
    (534, ["5.7.9 Application-specific password required. Learn more at",
           "5.7.9  https://support.google.com/mail/?p=InvalidSecondFactor - gsmtp"], "auth.app-password-required"),
    (534, "5.7.9 Authentication mechanism is too weak", "auth.mechanism-too-weak"),
    (534, "5.7.14 <https://accounts.google.com/signin/continue?sarp=1> Please log in via your web browser and "
          "then try again.", "auth.web-login-required"),
    (535, "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant. Visit "
          "https://aka.ms/smtp_auth_disabled for more information.", "auth.smtp-auth-disabled"),
    (535, "5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. "
          "Contact your administrator.", "auth.smtp-auth-disabled"),
    (535, "5.7.3 Authentication unsuccessful", "auth.credentials-rejected"),
    (530, "5.7.0 Must issue a STARTTLS command first.", "client.starttls-required-before-auth"),
    (538, "5.7.11 Encryption required for requested authentication mechanism", "auth.encryption-required"),
    (454, "4.7.0 Temporary authentication failure", "auth.temporary-failure"),
    (432, "4.7.12 A password transition is needed", "auth.password-transition-needed"),
    (504, "5.5.4 Unrecognized authentication type", "auth.mechanism-unsupported"),
    (504, "5.7.4 Unrecognized authentication type", "auth.mechanism-unsupported"),
    (503, "5.5.1 Error: authentication not enabled", "client.auth-not-offered"),
    (502, "5.5.2 Error: command not recognized", "client.auth-not-offered"),
    (500, "5.5.1 Command unrecognized: \"AUTH PLAIN\"", "client.auth-not-offered"),
    (501, "5.5.2 Cannot decode response", "auth.protocol-error"),
    (421, "4.7.0 Try again later, closing connection.", "auth.temporary-failure"),
    (550, "5.7.1 Access denied", "auth.failed"),
]


@pytest.mark.parametrize(("code", "text", "expected"), AUTH_CASES)
def test_auth_replies(code, text, expected):
    result = classify_auth(code, None, text)
    assert result.finding == expected
    assert catalogue.spec(result.finding)  # every id exists in the catalogue
    assert result.params["code"] == code


@pytest.mark.parametrize(("code", "text"), [(c, t) for c, t, _ in AUTH_CASES])
def test_auth_wording_is_complete(code, text):
    finding = to_finding(classify_auth(code, None, text))
    assert "{" not in finding.title + finding.detail + "".join(finding.remedy), finding


def test_auth_temporary_failure_says_retry_and_is_not_an_error():
    result = classify_auth(454, "4.7.0", "Temporary authentication failure")
    assert result.retryable and result.confidence == "high"
    finding = to_finding(result)
    assert finding.severity is Severity.WARNING
    assert "not mean the password is wrong" in finding.detail


def test_xoauth2_refusal_is_about_the_token_and_carries_the_json_error():
    mech = create("XOAUTH2", "bob@gmail.com", Secret("ya29.expired"))
    mech.respond("eyJzdGF0dXMiOiI0MDAiLCJzY2hlbWVzIjoiQmVhcmVyIiwic2NvcGUiOiJodHRwczovL21haWwuZ29vZ2xlLmNvbS8ifQ==")
    result = classify_auth(535, None, "5.7.8 Username and Password not accepted.", "gmail", mechanism="XOAUTH2",
                           oauth_error=mech.error)
    assert result.finding == "auth.oauth-token-rejected"
    assert (result.params["oauth_status"], result.params["oauth_scope"]) == ("400", "https://mail.google.com/")
    finding = to_finding(result)
    assert "status 400" in finding.detail and "{" not in finding.detail
    # the same reply after a password login stays a password problem
    assert classify_auth(535, None, "5.7.8 Username and Password not accepted.").finding == "auth.credentials-rejected"
    assert classify_auth(235, None, "2.7.0 Accepted", mechanism="XOAUTH2").finding == "auth.ok"


def test_microsoft_535_5_7_3_is_credentials_with_medium_confidence():
    result = classify_auth(535, None, "5.7.3 Authentication unsuccessful [BN0PR04CA0001.namprd04.prod.outlook.com]",
                           "microsoft")
    assert (result.finding, result.confidence) == ("auth.credentials-rejected", "medium")
    finding = to_finding(result, providers.get("microsoft-365"), user="bob@contoso.example")
    assert any("Authenticated SMTP" in step for step in finding.remedy)
    assert finding.evidence["confidence"] == "medium"


@pytest.mark.parametrize("code", [None, 334, 999, 100])
def test_unparsable_or_unexpected_auth_reply_is_garbage(code):
    result = classify_auth(code, None, "\x00\xff garbage")
    assert result.finding == "auth.garbage-reply"
    assert result.confidence == "low"
    assert "{" not in to_finding(result).detail  # the wording is filled


def test_enhanced_status_given_separately_or_read_from_text():
    assert classify_auth(535, "5.7.139", "Authentication unsuccessful").finding == "auth.smtp-auth-disabled"
    assert classify_auth(535, "not-a-status", "x").params["status"] is None


def test_huge_reply_is_classified_quickly():
    text = "5.7.8 " + "A" * 5_000_000
    started = time.perf_counter()
    result = classify_auth(535, None, text)
    assert result.finding == "auth.credentials-rejected"
    assert time.perf_counter() - started < 1.0
    assert len(result.params["reply"]) <= 300


# ---------------------------------------------------------------------------------------- envelope
ENVELOPE_CASES = [
    ("rcpt", 250, "2.1.5 Ok", "envelope.ok"),
    ("mail", 250, "2.1.0 Ok", "envelope.ok"),
    ("rcpt", 554, "5.7.1 <x@other.example>: Relay access denied", "client.relay-denied"),
    ("rcpt", 550, "5.7.54 SMTP; Unable to relay recipient in non-accepted domain", "client.relay-denied"),
    ("mail", 530, "5.7.57 Client not authenticated to send mail. [AM0PR01CA0001.eurprd01.prod.exchangelabs.com]",
     "client.relay-denied"),
    ("mail", 530, "5.7.0 Authentication required", "client.relay-denied"),
    ("rcpt", 553, "5.7.1 <news@example.com>: Sender address rejected: not logged in", "client.relay-denied"),
    ("rcpt", 553, "5.7.1 <ceo@other.example>: Sender address rejected: not owned by user bob@example.com",
     "client.sender-not-owned"),
    ("mail", 550, "5.7.60 SMTP; Client does not have permissions to send as this sender", "client.sender-not-owned"),
    ("data", 554, "5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to "
     "process message due to a permanent exception", "client.sender-not-owned"),
    ("rcpt", 550, "5.1.1 <nobody@example.com>: Recipient address rejected: User unknown in local recipient table",
     "envelope.recipient-unknown"),
    ("rcpt", 550, "5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup",
     "envelope.recipient-unknown"),
    ("rcpt", 550, ["5.1.1 The email account that you tried to reach does not exist. Please try",
                   "5.1.1 double-checking the recipient's email address for typos - gsmtp"],
     "envelope.recipient-unknown"),
    ("rcpt", 450, "4.1.8 <a@nx.example>: Sender address rejected: Domain not found",
     "envelope.sender-domain-not-found"),
    ("rcpt", 550, "5.1.8 <a@nx.example>: Sender address rejected: Domain not found",
     "envelope.sender-domain-not-found"),
    ("mail", 553, "5.1.8 <a@nx.example>... Domain of sender address a@nx.example does not exist",
     "envelope.sender-domain-not-found"),
    ("rcpt", 450, "4.7.1 Client host rejected: cannot find your reverse hostname, [192.0.2.7]",
     "envelope.reverse-hostname-required"),
    ("rcpt", 550, "5.7.1 Client host rejected: cannot find your hostname, [192.0.2.7]",
     "envelope.reverse-hostname-required"),
    ("rcpt", 550, ["5.7.25 [192.0.2.7] The IP address sending this message does not have a",
                   "5.7.25 PTR record setup, or the corresponding forward DNS entry does not", "5.7.25 match."],
     "envelope.reverse-hostname-required"),
    ("rcpt", 450, "4.7.25 Forward-confirmed reverse DNS failed", "envelope.reverse-hostname-required"),
    ("rcpt", 554, "5.7.1 Service unavailable; Client host [192.0.2.7] blocked using zen.spamhaus.org; "
     "https://www.spamhaus.org/query/ip/192.0.2.7", "envelope.blocked-citing-list"),
    ("mail", 550, "5.7.1 Unfortunately, messages from [192.0.2.7] weren't sent. Please contact your Internet service "
     "provider since part of their network is on our block list (S3150).", "envelope.blocked-citing-list"),
    ("mail", 550, "5.7.606 Access denied, banned sending IP [192.0.2.7]. To request removal from this list please "
     "visit https://sender.office.com/", "envelope.blocked-citing-list"),
    ("rcpt", 451, "4.7.650 The mail server [192.0.2.7] has been temporarily rate limited due to IP reputation.",
     "envelope.reputation-throttled"),
    ("mail", 421, ["4.7.28 [192.0.2.7] Our system has detected an unusual rate of unsolicited mail originating",
                   "4.7.28 from your IP address."], "envelope.reputation-throttled"),
    ("rcpt", 452, "4.5.3 Your message has too many recipients.", "envelope.rate-limited"),
    ("mail", 421, "4.7.0 [TSS04] Messages from 192.0.2.7 temporarily deferred due to unexpected volume or user "
     "complaints", "envelope.reputation-throttled"),
    ("rcpt", 450, "4.2.0 <x@example.com>: Recipient address rejected: Greylisted, see "
     "http://postgrey.schweikert.ch/help/example.com.html", "envelope.greylisted"),
    ("rcpt", 451, "4.7.1 Please try again later", "envelope.greylisted"),
    ("mail", 530, "5.7.0 Must issue a STARTTLS command first", "client.starttls-required-before-auth"),
    ("data", 550, "5.7.1 Message rejected as spam by Content Filtering.", "envelope.content-rejected"),
    ("data", 451, "4.3.0 Error: queue file write error", "envelope.deferred"),
    ("rcpt", None, "", "envelope.unexpected-reply"),
]


@pytest.mark.parametrize(("stage", "code", "text", "expected"), ENVELOPE_CASES)
def test_envelope_replies(stage, code, text, expected):
    result = classify_envelope(stage, code, None, text)
    assert result.finding == expected
    assert catalogue.spec(result.finding)


@pytest.mark.parametrize(("stage", "code", "text"), [(s, c, t) for s, c, t, _ in ENVELOPE_CASES])
def test_envelope_wording_is_complete(stage, code, text):
    finding = to_finding(classify_envelope(stage, code, None, text))
    assert "{" not in finding.title + finding.detail + "".join(finding.remedy), finding


def test_blocklist_rejection_names_the_zone_and_ip_for_the_dnsbl_module():
    result = classify_envelope("rcpt", 554, None, "5.7.1 Service unavailable; Client host [127.0.0.2] blocked using "
                                                  "bl.lab.test; test listing")
    assert result.finding == "envelope.blocked-citing-list" and result.category is Category.BLACKLIST
    assert (result.citation.zone, result.citation.address) == ("bl.lab.test", "127.0.0.2")
    finding = to_finding(result)
    assert finding.category is Category.BLACKLIST and finding.step is Step.BLACKLIST
    assert finding.evidence["list"] == "bl.lab.test" and finding.evidence["explanation"]["blocklist"] == "bl.lab.test"


def test_blocklist_rejection_without_a_zone_is_still_blacklist():
    result = classify_envelope("mail", 550, None, "5.7.1 Your IP [2001:db8::7] is on our blacklist")
    assert result.finding == "envelope.blocked-citing-list"


def test_blocklist_citation_in_any_reply():
    cited = classify(None, "554 5.7.1 Client host [192.0.2.7] blocked using b.barracudacentral.org").citation
    assert (cited.zone, cited.address) == ("b.barracudacentral.org", "192.0.2.7")
    assert classify(None, "554 Your IP is listed in bl.spamcop.net.\nsee the site").citation.zone == "bl.spamcop.net"
    assert classify(None, "554 5.7.1 Relay access denied").citation is None


def test_recipient_unknown_is_a_warning_not_the_senders_fault():
    finding = to_finding(classify_envelope("rcpt", 550, "5.1.1", "User unknown"))
    assert finding.severity is Severity.WARNING
    assert "not a fault of the sender" in finding.detail


@pytest.mark.parametrize("fid", ["envelope.sender-domain-not-found", "envelope.reverse-hostname-required"])
def test_dns_causes_are_dns(fid):
    spec = catalogue.spec(fid)
    assert spec.category is Category.DNS and spec.step is Step.DNS


def test_greylisting_and_rate_limits_advise_retry():
    for text, code in (("4.2.0 Greylisted", 450), ("4.5.3 too many recipients", 452)):
        assert classify_envelope("rcpt", code, None, text).retryable


def test_a_reply_without_a_known_phase_has_no_phase_finding_but_a_reason():
    result = classify(250, "ok", phase="helo")
    assert result.finding is None and result.reason == "delivered"
    with pytest.raises(ValueError):
        to_finding(result)


# ------------------------------------------------------------------------------ offers and errors
def test_auth_offered_only_after_starttls():
    result = classify_auth_offer(offered=None, tls_active=False, starttls_offered=True, port=587)
    assert result.finding == "client.auth-not-offered" and result.params["reason"] == "before-tls"
    assert "only after STARTTLS" in to_finding(result).detail


def test_auth_not_offered_on_this_port():
    result = classify_auth_offer(offered=[], tls_active=True, port=25)
    assert result.finding == "client.auth-not-offered" and result.params["reason"] == "not-on-port"
    assert to_finding(result).category is Category.CLIENT
    assert "port 25" in to_finding(result).detail


def test_no_common_mechanism():
    result = classify_auth_offer(offered=["XOAUTH2"], tls_active=True, have_token=False)
    assert result.finding == "auth.mechanism-unsupported"
    assert result.params["offered"] == "XOAUTH2" and "PLAIN" in result.params["wanted"]
    assert "XOAUTH2" in to_finding(result).detail


def test_forced_mechanism_not_offered():
    result = classify_auth_offer(offered=["PLAIN", "LOGIN"], tls_active=True, forced="CRAM-MD5")
    assert result.finding == "auth.mechanism-unsupported" and result.params["wanted"] == "CRAM-MD5"


def test_usable_offer_means_go_ahead():
    assert classify_auth_offer(offered=["LOGIN", "PLAIN"], tls_active=True) is None
    assert classify_auth_offer(offered=["AUTH=LOGIN"], tls_active=True) is None


def test_sasl_errors():
    loop = SaslError("too-many-steps", "the server kept asking", mechanism="LOGIN")
    assert classify_sasl_error(loop).finding == "auth.garbage-reply"
    assert "kept asking" in to_finding(classify_sasl_error(loop)).detail
    with pytest.raises(SaslError) as err:
        create("XOAUTH2", "bob@example.com", Secret(""))
    assert classify_sasl_error(err.value).finding == "client.auth-input-invalid"
    assert classify_sasl_error(SaslError("unsupported-mechanism", "x")).finding == "auth.mechanism-unsupported"
    for error in (loop, err.value, SaslError("unsupported-mechanism", "unsupported AUTH mechanism 'NTLM'")):
        finding = to_finding(classify_sasl_error(error))
        assert "{" not in finding.title + finding.detail and "None" not in finding.title


# ------------------------------------------------------------------------------ provider remedies
def test_known_provider_remedy_comes_first_with_help_links():
    preset = providers.get("gmail")
    finding = to_finding(classify_auth(534, None, "5.7.9 Application-specific password required."), preset,
                         user="bob@gmail.com")
    assert finding.remedy[0].startswith("Turn on 2-Step Verification")
    assert any("support.google.com/accounts/answer/185833" in step for step in finding.remedy)
    generic = to_finding(classify_auth(534, None, "5.7.9 Application-specific password required."))
    assert finding.remedy[-len(generic.remedy) - len(preset.help):-len(preset.help)] == generic.remedy


def test_provider_without_own_remedy_gets_the_generic_one():
    preset = providers.get("smtp2go")
    finding = to_finding(classify_auth(454, None, "4.7.0 Temporary authentication failure"), preset)
    assert finding.remedy == catalogue.spec("auth.temporary-failure").remedy


def test_sendgrid_credentials_remedy_names_apikey():
    finding = to_finding(classify_auth(535, None, "Authentication failed: Bad username / password"),
                         providers.match("smtp.sendgrid.net"))
    assert "apikey" in finding.remedy[0]


def test_redactor_masks_echoed_secrets_in_evidence():
    redactor = Redactor([Secret("hunter2-pw")])
    finding = to_finding(classify_auth(535, None, "5.7.8 bad password hunter2-pw"), redactor=redactor)
    assert "hunter2" not in str(finding.to_json())
    assert MASK in finding.evidence["reply"]


def test_every_rule_points_at_a_catalogue_finding():
    ids = {rule.finding for rule in knowledge().phase_rules}
    for fid in ids:
        assert catalogue.spec(fid)
    assert {"auth.ok", "auth.credentials-rejected", "auth.app-password-required", "auth.smtp-auth-disabled",
            "client.starttls-required-before-auth", "auth.encryption-required", "auth.temporary-failure",
            "auth.mechanism-unsupported", "client.auth-not-offered", "client.relay-denied", "client.sender-not-owned",
            "envelope.recipient-unknown", "envelope.sender-domain-not-found", "envelope.reverse-hostname-required",
            "envelope.blocked-citing-list", "envelope.rate-limited", "envelope.greylisted"} <= ids


def test_a_reason_finding_has_the_reasons_category():
    kb = knowledge()
    for reason, fid in kb.reason_finding.items():
        assert catalogue.spec(fid).category.value == kb.reasons[reason].category, (reason, fid)


def test_every_preset_names_a_provider_of_the_reply_rules():
    ids = {p.id for p in knowledge().providers}
    assert len(ids) == len(knowledge().providers)  # one id per provider
    for preset in providers.presets():
        assert preset.provider in ids, preset.key


def test_exported_names():
    assert set(judge_reply.__all__) == {
        "Classification", "Facts", "classify", "classify_facts", "clean_diagnostic", "judged", "to_finding",
        "PHASES", "STAGES",
    }


@pytest.mark.parametrize("text", [
    "550-5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail requires all senders "
    "to authenticate with either SPF or DKIM.",
    "550 5.7.26 This mail has been blocked because the sender is unauthenticated. Gmail requires all senders "
    "to authenticate with either SPF or DKIM.",
])
def test_a_gmail_reply_pasted_without_its_gsmtp_tail_is_still_gmails(text):
    # What users paste is often the sentence alone, without the help URL and "- gsmtp" that end the reply.
    result = classify(None, text)
    assert result.provider == "gmail"
    assert result.reason == "authfailure"


def test_a_reply_that_only_mentions_gmail_is_not_called_gmails():
    assert classify(None, "550 5.1.1 <bob@gmail.com>: Recipient address rejected: User unknown").provider != "gmail"


def test_a_host_names_provider_is_the_first_whose_hosts_pattern_finds_it_remembered_or_not():
    import re as _re

    from smtpdoctor.judge import reply as reply_module
    from smtpdoctor.judge.reply_rules import knowledge

    kb = knowledge()
    names = ["mx.google.com", "gmail-smtp-in.l.google.com", "mta7.am0.yahoodns.net", "example.jp", "qq.com",
             "mx1.hotmail.com", "protection.outlook.com", "x.ru", "mail.ru", "", "free.fr", "example.org"]
    for _ in range(2):  # the second time from what the first remembered
        for name in names:
            plain = next((p for p in kb.providers if p.hosts is not None
                          and _re.search(p.hosts.pattern, name)), None)
            assert reply_module._host_provider(kb, name) is plain, name
    assert any(reply_module._host_provider(kb, n) is not None for n in names)
    kb.host_providers.clear()
    old = reply_module._HOST_NAMES_KEPT
    reply_module._HOST_NAMES_KEPT = 3
    try:
        for name in names:
            reply_module._host_provider(kb, name)
            assert len(kb.host_providers) <= 3  # bounded
    finally:
        reply_module._HOST_NAMES_KEPT = old
        kb.host_providers.clear()
