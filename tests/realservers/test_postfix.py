"""The Postfix fixture itself: each listener, AUTH through Dovecot, TLS variants, restrictions, DNS."""

from __future__ import annotations

import base64
import shutil
import smtplib
import ssl
import subprocess

import pytest

from ._proc import wait_until
from .dovecot import DEFAULT_USERS
from .labzone import RBL_ZONE, UNKNOWN_DOMAIN

ALICE, ALICE_PW = "alice@smtpdoctor.test", DEFAULT_USERS["alice@smtpdoctor.test"]


def tls_context(ca_file, hostname: bool = True) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(ca_file))
    ctx.check_hostname = hostname
    return ctx


def connect(inst, listener: str, *, source: str | None = None, host: str | None = None) -> smtplib.SMTP:
    kw = {"source_address": (source, 0)} if source else {}
    return smtplib.SMTP(host or inst.host, inst.port(listener), timeout=10, **kw)


def test_plain_listener_offers_starttls_but_no_auth(postfix):
    with connect(postfix, "plain") as s:
        code, banner = s.docmd("NOOP")
        assert code == 250
        s.ehlo("client.test")
        assert s.has_extn("starttls") and not s.has_extn("auth")
        assert s.has_extn("smtputf8") and s.has_extn("pipelining")


def test_submission_demands_starttls_before_auth_and_mail(postfix):
    with connect(postfix, "submission") as s:
        s.ehlo("client.test")
        assert s.has_extn("starttls") and not s.has_extn("auth")  # smtpd_tls_auth_only
        code, msg = s.docmd("MAIL FROM:<alice@smtpdoctor.test>")
        assert (code, msg[:5]) == (530, b"5.7.0")
        assert b"STARTTLS" in msg
        s.starttls(context=tls_context(postfix.ca_file))
        s.ehlo("client.test")
        assert set(s.esmtp_features["auth"].upper().split()) == {"PLAIN", "LOGIN", "CRAM-MD5"}


@pytest.mark.parametrize("mechanism", ["PLAIN", "LOGIN", "CRAM-MD5"])
def test_submission_auth_right_and_wrong_password(postfix, mechanism):
    with connect(postfix, "submission") as s:
        s.starttls(context=tls_context(postfix.ca_file))
        s.ehlo("client.test")
        code, msg = _auth(s, mechanism, ALICE, "not-the-password")
        assert (code, msg[:5]) == (535, b"5.7.8")
        code, msg = _auth(s, mechanism, ALICE, ALICE_PW)
        assert (code, msg[:5]) == (235, b"2.7.0")


def _auth(s: smtplib.SMTP, mechanism: str, user: str, password: str) -> tuple[int, bytes]:
    s.user, s.password = user, password
    authobject = {"PLAIN": s.auth_plain, "LOGIN": s.auth_login, "CRAM-MD5": s.auth_cram_md5}[mechanism]
    try:
        return s.auth(mechanism, authobject)
    except smtplib.SMTPAuthenticationError as exc:
        return exc.smtp_code, exc.smtp_error


def test_smtps_is_implicit_tls_trusted_through_the_test_ca(postfix):
    with smtplib.SMTP_SSL(postfix.host, postfix.smtps_port, timeout=10,
                          context=tls_context(postfix.ca_file)) as s:
        s.ehlo("client.test")
        assert s.has_extn("auth") and not s.has_extn("starttls")
        assert s.sock.version() in ("TLSv1.2", "TLSv1.3")
        assert _auth(s, "PLAIN", ALICE, ALICE_PW)[0] == 235


def test_cleartext_listener_offers_auth_without_tls(postfix):
    with connect(postfix, "cleartext") as s:
        s.ehlo("client.test")
        assert s.has_extn("auth") and not s.has_extn("starttls")
        assert _auth(s, "PLAIN", ALICE, "wrong")[0] == 535


@pytest.mark.parametrize(("listener", "verify_message"), [
    ("submission_expired", "certificate has expired"),
    ("submission_wrong_name", "mismatch, certificate is not valid"),
    ("submission_self_signed", "self-signed certificate"),
])
def test_certificate_variants_fail_verification_for_their_reason(postfix, listener, verify_message):
    with connect(postfix, listener) as s:
        with pytest.raises(ssl.SSLCertVerificationError) as err:
            s.starttls(context=tls_context(postfix.ca_file))
    assert verify_message in err.value.verify_message


def test_smtps_expired_variant_is_implicit_tls(postfix):
    ctx = tls_context(postfix.ca_file)
    with pytest.raises(ssl.SSLCertVerificationError) as err:
        smtplib.SMTP_SSL(postfix.host, postfix.port("smtps_expired"), timeout=10, context=ctx)
    assert "expired" in err.value.verify_message


def test_relay_is_denied_without_auth_and_allowed_from_mynetworks(postfix):
    with connect(postfix, "plain") as s:
        s.ehlo("client.test")
        assert s.docmd("MAIL FROM:<someone@example.org>")[0] == 250
        code, msg = s.docmd("RCPT TO:<friend@example.net>")
        assert code == 554 and b"Relay access denied" in msg
        assert s.docmd("RCPT TO:<nobody@smtpdoctor.test>")[0] == 550  # unknown local recipient
        assert s.docmd("RCPT TO:<alice@smtpdoctor.test>")[0] == 250
    with connect(postfix, "plain", source="127.0.0.4") as s:  # mynetworks
        s.ehlo("client.test")
        s.docmd("MAIL FROM:<someone@example.org>")
        assert s.docmd("RCPT TO:<friend@example.net>")[0] == 250


def test_submission_sender_must_belong_to_the_login(postfix):
    with connect(postfix, "submission") as s:
        s.starttls(context=tls_context(postfix.ca_file))
        s.ehlo("client.test")
        _auth(s, "PLAIN", ALICE, ALICE_PW)
        assert s.docmd("MAIL FROM:<bob@smtpdoctor.test>")[0] == 250
        code, msg = s.docmd("RCPT TO:<friend@example.net>")
        assert code == 553 and b"not owned by user" in msg
        s.docmd("RSET")
        s.docmd("MAIL FROM:<alice@smtpdoctor.test>")
        assert s.docmd("RCPT TO:<friend@example.net>")[0] == 250


def test_accepted_mail_is_discarded_not_delivered(postfix):
    with connect(postfix, "plain") as s:
        s.ehlo("client.test")
        s.sendmail("someone@example.org", ["bob@smtpdoctor.test"],
                   b"Subject: fixture test\r\n\r\nhello\r\n")
    assert wait_until(lambda: "to=<bob@smtpdoctor.test>" in postfix.log_text(), 10)
    line = next(x for x in postfix.log_text().splitlines() if "to=<bob@smtpdoctor.test>" in x)
    assert "/discard[" in line and "status=sent" in line


def test_ipv6_listener_answers_on_loopback(postfix):
    if not postfix.ipv6:
        pytest.skip("no IPv6 loopback (::1) on this machine")
    with connect(postfix, "plain", host="::1") as s:
        assert s.ehlo("client.test")[0] == 250


def test_postfix_uses_the_test_dns_for_client_names(postfix):
    with connect(postfix, "plain", source="127.0.0.3") as s:
        s.ehlo("client.test")
    assert wait_until(lambda: "client3.smtpdoctor.test[127.0.0.3]" in postfix.log_text(), 10)


def test_reject_unknown_reverse_client_hostname(postfix_factory):
    inst = postfix_factory(restrictions=["reject_unknown_reverse_client_hostname"], sasl=False)
    with connect(inst, "plain") as s:  # 127.0.0.1 has no PTR in the test zone
        s.ehlo("client.test")
        s.docmd("MAIL FROM:<someone@smtpdoctor.test>")
        code, msg = s.docmd("RCPT TO:<alice@smtpdoctor.test>")
        assert code == 450 and b"cannot find your reverse hostname" in msg
    with connect(inst, "plain", source="127.0.0.3") as s:  # PTR client3.smtpdoctor.test
        s.ehlo("client.test")
        s.docmd("MAIL FROM:<someone@smtpdoctor.test>")
        assert s.docmd("RCPT TO:<alice@smtpdoctor.test>")[0] == 250


def test_reject_rbl_client_answers_from_the_test_zone(postfix_factory):
    inst = postfix_factory(rbl_zone=RBL_ZONE, sasl=False)
    with connect(inst, "plain", source="127.0.0.2") as s:
        s.ehlo("client.test")
        s.docmd("MAIL FROM:<someone@smtpdoctor.test>")
        code, msg = s.docmd("RCPT TO:<alice@smtpdoctor.test>")
        assert code == 554 and f"blocked using {RBL_ZONE}".encode() in msg
        assert b"Listed for testing" in msg  # the TXT reason
    with connect(inst, "plain") as s:
        s.ehlo("client.test")
        s.docmd("MAIL FROM:<someone@smtpdoctor.test>")
        assert s.docmd("RCPT TO:<alice@smtpdoctor.test>")[0] == 250


def test_reject_unknown_sender_domain(postfix_factory):
    inst = postfix_factory(restrictions=["reject_unknown_sender_domain"], sasl=False,
                           main_cf={"unknown_address_reject_code": "550"})
    with connect(inst, "plain") as s:
        s.ehlo("client.test")
        s.docmd(f"MAIL FROM:<someone@{UNKNOWN_DOMAIN}>")
        code, msg = s.docmd("RCPT TO:<alice@smtpdoctor.test>")
        assert code == 550 and b"Domain not found" in msg
        s.docmd("RSET")
        s.docmd("MAIL FROM:<someone@smtpdoctor.test>")
        assert s.docmd("RCPT TO:<alice@smtpdoctor.test>")[0] == 250


def test_identical_factory_options_share_one_instance(postfix_factory):
    a = postfix_factory(rbl_zone=RBL_ZONE, sasl=False)
    assert postfix_factory(rbl_zone=RBL_ZONE, sasl=False) is a
    assert postfix_factory(rbl_zone=RBL_ZONE, sasl=False, fresh=True) is not a


def test_custom_users_get_their_own_dovecot(postfix_factory):
    inst = postfix_factory(users={"carol@smtpdoctor.test": "pässwörd-ünïcode"})
    with smtplib.SMTP_SSL(inst.host, inst.smtps_port, timeout=10, context=tls_context(inst.ca_file)) as s:
        s.ehlo("client.test")
        assert _auth(s, "PLAIN", ALICE, ALICE_PW)[0] == 535
        blob = base64.b64encode("\0carol@smtpdoctor.test\0pässwörd-ünïcode".encode()).decode()
        code, _ = s.docmd("AUTH PLAIN " + blob)
        assert code == 235


@pytest.mark.skipif(shutil.which("swaks") is None, reason="swaks not installed")
def test_swaks_auth_exit_codes(postfix):
    base = ["swaks", "--server", f"{postfix.host}:{postfix.submission_port}", "--tls",
            "--tls-verify", "--tls-ca-path", str(postfix.ca_file),
            "--auth", "PLAIN", "--auth-user", ALICE, "--quit-after", "AUTH", "--timeout", "10"]
    ok = subprocess.run(base + ["--auth-password", ALICE_PW], capture_output=True, text=True, timeout=30)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "235 2.7.0" in ok.stdout
    bad = subprocess.run(base + ["--auth-password", "wrong"], capture_output=True, text=True, timeout=30)
    assert bad.returncode == 28 and "535 5.7.8" in bad.stdout  # swaks: 28 = AUTH failed


def test_startup_is_quick(postfix, postfix_factory):
    assert postfix.startup_s < 3.0
    fresh = postfix_factory(sasl=False, fresh=True)
    assert fresh.startup_s < 3.0


def test_listener_overrides_accept_values_with_spaces(postfix_factory):
    inst = postfix_factory(sasl=False, listener_overrides={
        "plain": {"smtpd_recipient_restrictions": f"reject_rbl_client {RBL_ZONE}"}})
    with connect(inst, "plain", source="127.0.0.2") as s:
        s.ehlo("client.test")
        s.docmd("MAIL FROM:<someone@smtpdoctor.test>")
        assert s.docmd("RCPT TO:<alice@smtpdoctor.test>")[0] == 554


def test_greeting_rejection_recipe(postfix_factory):
    inst = postfix_factory(sasl=False, listener_overrides={
        "plain": {"smtpd_client_restrictions": "reject", "smtpd_delay_reject": "no"}})
    with pytest.raises(smtplib.SMTPConnectError) as err:
        connect(inst, "plain")
    assert err.value.smtp_code == 554 and b"Client host rejected" in err.value.smtp_error



def test_factory_tls_cert_applies_to_every_tls_listener(postfix_factory):
    inst = postfix_factory(tls_cert="expired", sasl=False)
    assert inst.listeners["plain"].cert.kind == "expired"
    with connect(inst, "plain") as s:
        with pytest.raises(ssl.SSLCertVerificationError) as err:
            s.starttls(context=tls_context(inst.ca_file))
    assert "expired" in err.value.verify_message
