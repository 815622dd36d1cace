"""classify_reply: the pure classifier diagnose calls when a server rejects us."""

from __future__ import annotations

import dataclasses

import pytest

from smtpdoctor.core.explanation import Explanation
from smtpdoctor.judge.reply import classify as classify_reply
from smtpdoctor.core.model import Category


@pytest.mark.parametrize("code, text, phase, reason, category, provider", [
    (550, "5.7.26 This mail is unauthenticated, which poses a security risk to the sender and Gmail users, "
          "and has been blocked. gsmtp", "data", "authfailure", Category.DNS, "gmail"),
    (550, "5.7.1 Unfortunately, messages from [192.0.2.1] weren't sent. Please contact your Internet service "
          "provider since part of their network is on our block list (S3150).", "mail", "blocked",
     Category.BLACKLIST, "microsoft"),
    (550, "5.7.606 Access denied, banned sending IP [192.0.2.1]. To request removal from this list please visit "
          "https://sender.office.com/", "rcpt", "blocked", Category.BLACKLIST, "microsoft"),
    (451, "4.7.650 The mail server [192.0.2.1] has been temporarily rate limited due to IP reputation.",
     "rcpt", "badreputation", Category.BLACKLIST, "microsoft"),
    (535, "5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.",
     "auth", "securityerror", Category.AUTHENTICATION, "microsoft"),
    (421, "4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user "
          "complaints - 4.16.55.1; see https://postmaster.yahooinc.com/error-codes", "mail", "badreputation",
     Category.BLACKLIST, "yahoo"),
    (554, "5.7.1 Service unavailable; Client host [192.0.2.1] blocked using zen.spamhaus.org", "rcpt",
     "blocked", Category.BLACKLIST, "spamhaus"),
    (550, "5.1.1 <nobody@example.org>: Recipient address rejected: User unknown in virtual mailbox table",
     "rcpt", "userunknown", Category.CLIENT, None),
    (554, "5.7.1 <bob@example.org>: Relay access denied", "rcpt", "norelaying", Category.CLIENT, None),
    (552, "5.2.2 <bob@example.org>: mailbox full", "rcpt", "mailboxfull", Category.CLIENT, None),
    (421, "4.7.28 Our system has detected an unusual rate of unsolicited mail originating from your IP "
          "address. gsmtp", "rcpt", "badreputation", Category.BLACKLIST, "gmail"),
    (550, "5.7.25 The IP address sending this message does not have a PTR record setup. gsmtp", "rcpt",
     "requireptr", Category.DNS, "gmail"),
    # issue 13's example: the short form of Gmail's reply is reputation too, not an authentication problem
    (421, "4.7.28 Gmail has detected an unusual rate of unsolicited mail", None, "badreputation",
     Category.BLACKLIST, "gmail"),
])
def test_provider_and_generic_replies(code, text, phase, reason, category, provider):
    e = classify_reply(code, text, phase=phase)
    assert (e.reason, e.category, e.provider) == (reason, category, provider)
    assert e.replycode == str(code)
    assert e.summary and e.remedy


def test_gmail_bad_credentials_is_an_authentication_problem_with_the_help_link():
    e = classify_reply(535, "5.7.8 Username and Password not accepted. For more information, go to\n"
                            "535 5.7.8  https://support.google.com/mail/?p=BadCredentials gsmtp", phase="auth")
    assert e.category is Category.AUTHENTICATION
    assert e.status == "5.7.8"
    assert e.help_url == "https://support.google.com/mail/?p=BadCredentials"


def test_starttls_required_is_a_client_setting():
    e = classify_reply(530, "5.7.0 Must issue a STARTTLS command first. gsmtp", phase="mail")
    assert e.category is Category.CLIENT
    assert "STARTTLS" in " ".join(e.remedy)


def test_any_refusal_at_auth_is_an_authentication_problem():
    e = classify_reply(535, "Incorrect authentication data", phase="auth")
    assert e.reason == "securityerror"
    assert e.category is Category.AUTHENTICATION


def test_enhanced_code_given_separately_is_used():
    e = classify_reply(550, "Requested action not taken", enhanced="5.1.1", phase="rcpt")
    assert (e.reason, e.status, e.replycode) == ("userunknown", "5.1.1", "550")


def test_multiline_reply_keeps_one_code_and_all_words():
    text = ("550-5.7.1 [192.0.2.1] Our system has detected that this message is\r\n"
            "550-5.7.1 likely unsolicited mail. To reduce the amount of spam sent to Gmail,\r\n"
            "550 5.7.1 this message has been blocked. gsmtp")
    e = classify_reply(550, text, phase="data")
    assert (e.reason, e.status, e.provider) == ("spamdetected", "5.7.1", "gmail")


def test_unknown_words_are_onhold_and_still_carry_the_codes():
    e = classify_reply(554, "5.3.0 something nobody has seen before", phase="data")
    assert e.reason in ("systemerror", "onhold")
    assert (e.status, e.replycode) == ("5.3.0", "554")


def test_explanation_is_frozen():
    e = classify_reply(550, "5.1.1 user unknown", phase="rcpt")
    assert isinstance(e, Explanation)
    with pytest.raises(dataclasses.FrozenInstanceError):
        e.reason = "blocked"  # type: ignore[misc]
