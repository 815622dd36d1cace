from support.server_facts import make_facts, port, tls

from smtpdoctor.judge import tls as tls_checks
from smtpdoctor.observe.facts import Mode, TlsFailure
from smtpdoctor.core.settings import Security


def run(obs, **kw):
    return tls_checks.check(make_facts([obs], configured=obs.port, **kw))


def test_valid_certificate_is_ok_with_days_left():
    (f,) = run(port(587))
    assert f.id == "tls.ok" and "TLSv1.3" in f.title and "for 90 more days" in f.title


def test_expired_certificate():
    t = tls(verified=False, code=10, message="certificate has expired", not_after="2026-11-20T00:00:00+00:00")
    (f,) = run(port(587, tls_facts=t, tls_failure=TlsFailure(kind="verify", message="certificate has expired")))
    assert f.id == "tls.certificate-expired" and "expired 10 days ago (2026-11-20)" in f.title
    assert f.category.value == "connection" and f.severity.value == "error"


def test_hostname_mismatch_suggests_the_certificate_name():
    t = tls(verified=False, code=62, message="Hostname mismatch", names=("mail.provider.net",))
    (f,) = run(port(587, tls_facts=t))
    assert f.id == "tls.hostname-mismatch"
    assert "mail.provider.net" in f.title and f.remedy[0] == "Use the server name the certificate is for: mail.provider.net."


def test_self_signed_and_unknown_issuer():
    (f,) = run(port(465, mode=Mode.IMPLICIT_TLS, tls_facts=tls(verified=False, code=18, message="self-signed certificate",
                                                               self_signed=True)))
    assert f.id == "tls.self-signed"
    (g,) = run(port(587, tls_facts=tls(verified=False, code=20, message="unable to get local issuer certificate")))
    assert g.id == "tls.untrusted-issuer" and "unable to get local issuer" in g.detail


def test_expiring_soon_and_old_protocol():
    fs = run(port(587, tls_facts=tls(not_after="2026-12-05T00:00:00+00:00", version="TLSv1.1")))
    assert sorted(f.id for f in fs) == ["tls.expires-soon", "tls.old-protocol"]


def test_starttls_not_offered_is_error_on_587_and_warning_on_25_auto():
    (f,) = run(port(587, starttls=False))
    assert f.id == "tls.starttls-not-offered" and f.severity.value == "error"
    (g,) = run(port(25, starttls=False))
    assert g.severity.value == "warning"
    assert run(port(25, starttls=False), security=Security.NONE) == []


def test_starttls_refused_and_handshake_failure():
    (f,) = run(port(587, tls_facts=None, tls=None,
                    tls_failure=TlsFailure(kind="refused", message="454 4.7.0 TLS not available due to local problem")))
    assert f.id == "tls.starttls-refused" and "454 4.7.0" in f.title
    (g,) = run(port(587, tls=None, tls_failure=TlsFailure(kind="handshake", message="TLS failed: SSLV3_ALERT_HANDSHAKE_FAILURE")))
    assert g.id == "tls.handshake-failed"


# -- interception (issue 20) ---------------------------------------------------------------------------

import pytest


@pytest.mark.parametrize("host, provider", [("smtp.office365.com", "Microsoft 365"),
                                            ("smtp.gmail.com", "Gmail")])
def test_provider_host_with_a_certificate_for_another_name_is_interception(host, provider):
    t = tls(verified=False, code=62, message="Hostname mismatch", names=("av-proxy.local",))
    (f,) = run(port(587, tls_facts=t), host=host)
    assert f.id == "tls.intercepted" and f.category.value == "connection" and f.severity.value == "error"
    assert provider in f.title and "av-proxy.local" in f.title
    text = " ".join((f.title, f.detail, *f.remedy)).lower()
    assert "antivirus" in text and "dns" in text and "proxy" in text
    assert not any("the certificate is for" in r for r in f.remedy)  # no "use the name the certificate is for"
    assert "av-proxy.local" not in " ".join(f.remedy)


def test_provider_host_with_a_certificate_from_an_unknown_authority_is_interception():
    t = tls(verified=False, code=20, message="unable to get local issuer certificate")
    (f,) = run(port(587, tls_facts=t), host="smtp.gmail.com")
    assert f.id == "tls.intercepted" and "authority this machine does not trust" in f.title


def test_unknown_host_keeps_the_ordinary_certificate_findings():
    t = tls(verified=False, code=62, message="Hostname mismatch", names=("mail.provider.net",))
    (f,) = run(port(587, tls_facts=t), host="smtp.example.com")
    assert f.id == "tls.hostname-mismatch"
