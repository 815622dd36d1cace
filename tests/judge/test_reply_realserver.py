"""The SASL mechanisms, the redactor and the reply classifiers against real Postfix + Dovecot SASL
(the fixtures of tests/conftest.py: loopback, the test's own DNS zone, skipped when the servers are not
installed and required in CI). smtplib only carries lines here; every AUTH step is ours."""

from __future__ import annotations

import smtplib
import ssl

import pytest
from realservers.dovecot import DEFAULT_USERS
from realservers.labzone import RBL_ZONE, UNKNOWN_DOMAIN

from smtpdoctor.judge.auth import classify_auth, classify_auth_offer
from smtpdoctor.judge.reply import classify


def classify_envelope(stage, code, enhanced, text):
    return classify(code, text, enhanced=enhanced, phase=stage)
from smtpdoctor.core.redact import MASK, Redactor, forms_of
from smtpdoctor.core.settings import Secret
from smtpdoctor.protocol.sasl import choose_mechanism, create

ALICE = "alice@smtpdoctor.test"
ALICE_PW = DEFAULT_USERS[ALICE]


def tls(inst) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(inst.ca_file))


def run_auth(s: smtplib.SMTP, mech, redactor: Redactor, log: list[str]) -> tuple[int, str]:
    """The AUTH exchange driven by ``mech`` over an smtplib connection; the transcript goes to ``log``."""
    command = mech.auth_command()
    log.append(redactor.redact_line("send", command, False))
    code, msg = s.docmd(*command.split(" ", 1))
    for _ in range(5):
        text = msg.decode("utf-8", "replace")
        log.append(redactor.redact_line("recv", f"{code} {text}", False))
        if code != 334:
            return code, text
        answer = mech.respond(text.strip())
        log.append(redactor.redact_line("send", answer, True))
        code, msg = s.docmd(answer)
    raise AssertionError("the AUTH exchange did not end")


def submission(inst) -> smtplib.SMTP:
    s = smtplib.SMTP(inst.host, inst.port("submission"), timeout=10)
    s.starttls(context=tls(inst))
    s.ehlo("client.test")
    return s


@pytest.mark.parametrize("name", ["PLAIN", "LOGIN", "LOGIN-INITIAL", "CRAM-MD5"])
@pytest.mark.parametrize(("password", "expected"), [(ALICE_PW, "auth.ok"),
                                                    ("wrong-pässwörd", "auth.credentials-rejected")])
def test_each_mechanism_against_dovecot(postfix, name, password, expected):
    with submission(postfix) as s:
        assert choose_mechanism(s.esmtp_features["auth"].split(), have_token=False) == "PLAIN"
        redactor, log = Redactor([Secret(password)]), []
        mech = create(name, ALICE, Secret(password))
        redactor.add_mechanism(mech)
        code, text = run_auth(s, mech, redactor, log)
    assert classify_auth(code, None, text).finding == expected
    transcript = "\n".join(log)
    assert not any(form in transcript for form in forms_of(password) | mech.secret_forms())
    assert log[0].startswith("AUTH ") and (MASK in transcript)


def test_non_ascii_password_logs_in(postfix_factory):
    inst = postfix_factory(users={"carol@smtpdoctor.test": "pässwörd-ünïcode"})
    with smtplib.SMTP_SSL(inst.host, inst.smtps_port, timeout=10, context=tls(inst)) as s:
        s.ehlo("client.test")
        code, text = run_auth(s, create("PLAIN", "carol@smtpdoctor.test", Secret("pässwörd-ünïcode")), Redactor(), [])
    assert classify_auth(code, None, text).finding == "auth.ok"


def test_2kb_username_is_a_finding_not_a_hang(postfix):
    with submission(postfix) as s:
        mech = create("PLAIN", "u" * 2048 + "@smtpdoctor.test", Secret("pässwörd"))
        assert mech.initial_response() is None  # too long for the AUTH line: sent after the 334
        code, text = run_auth(s, mech, Redactor(), [])
    assert classify_auth(code, None, text).finding == "auth.credentials-rejected"


def test_auth_only_after_starttls(postfix):
    with smtplib.SMTP(postfix.host, postfix.port("submission"), timeout=10) as s:
        s.ehlo("client.test")
        offer = classify_auth_offer(offered=s.esmtp_features.get("auth", "").split(), tls_active=False,
                                    starttls_offered=s.has_extn("starttls"), port=postfix.port("submission"))
        assert (offer.finding, offer.params["reason"]) == ("client.auth-not-offered", "before-tls")
        code, msg = s.docmd("AUTH", "PLAIN AGEAYg==")
        assert classify_auth(code, None, msg.decode()).finding == "client.starttls-required-before-auth"
        code, msg = s.docmd(f"MAIL FROM:<{ALICE}>")
        assert classify_envelope("mail", code, None, msg.decode()).finding == "client.starttls-required-before-auth"


def test_relay_denied_and_unknown_recipient(postfix):
    with smtplib.SMTP(postfix.host, postfix.port("plain"), timeout=10) as s:
        s.ehlo("client.test")
        s.docmd("MAIL FROM:<someone@example.org>")
        code, msg = s.docmd("RCPT TO:<friend@example.net>")
        assert classify_envelope("rcpt", code, None, msg.decode()).finding == "client.relay-denied"
        code, msg = s.docmd("RCPT TO:<nobody@smtpdoctor.test>")
        assert classify_envelope("rcpt", code, None, msg.decode()).finding == "envelope.recipient-unknown"


def test_sender_not_owned_by_the_login(postfix):
    with submission(postfix) as s:
        s.login(ALICE, ALICE_PW)
        s.docmd("MAIL FROM:<bob@smtpdoctor.test>")
        code, msg = s.docmd("RCPT TO:<friend@example.net>")
    assert classify_envelope("rcpt", code, None, msg.decode()).finding == "client.sender-not-owned"


def test_reverse_hostname_required(postfix_factory):
    inst = postfix_factory(restrictions=["reject_unknown_reverse_client_hostname"], sasl=False)
    with smtplib.SMTP(inst.host, inst.port("plain"), timeout=10) as s:
        s.ehlo("client.test")
        s.docmd("MAIL FROM:<someone@smtpdoctor.test>")
        code, msg = s.docmd("RCPT TO:<alice@smtpdoctor.test>")
    result = classify_envelope("rcpt", code, None, msg.decode())
    assert result.finding == "envelope.reverse-hostname-required" and result.retryable is False


def test_blocklisted_client_names_zone_and_ip(postfix_factory):
    inst = postfix_factory(rbl_zone=RBL_ZONE, sasl=False)
    with smtplib.SMTP(inst.host, inst.port("plain"), timeout=10, source_address=("127.0.0.2", 0)) as s:
        s.ehlo("client.test")
        s.docmd("MAIL FROM:<someone@smtpdoctor.test>")
        code, msg = s.docmd("RCPT TO:<alice@smtpdoctor.test>")
    result = classify_envelope("rcpt", code, None, msg.decode())
    assert result.finding == "envelope.blocked-citing-list" and result.citation is not None
    assert (result.citation.zone, result.citation.address) == (RBL_ZONE.lower(), "127.0.0.2")


@pytest.mark.parametrize("reject_code", ["450", "550"])
def test_sender_domain_not_found(postfix_factory, reject_code):
    inst = postfix_factory(restrictions=["reject_unknown_sender_domain"], sasl=False,
                           main_cf={"unknown_address_reject_code": reject_code})
    with smtplib.SMTP(inst.host, inst.port("plain"), timeout=10) as s:
        s.ehlo("client.test")
        s.docmd(f"MAIL FROM:<someone@{UNKNOWN_DOMAIN}>")
        code, msg = s.docmd("RCPT TO:<alice@smtpdoctor.test>")
    assert str(code) == reject_code
    assert classify_envelope("rcpt", code, None, msg.decode()).finding == "envelope.sender-domain-not-found"
