"""The AUTH step never hands a secret to a peer whose identity failed verification (issue 20).

Against the lab's server, whose session record holds every AUTH attempt that reached it: with an expired
or wrong-name certificate the credentials are withheld unless ``insecure_auth`` is set, and the report
says which happened.
"""

import pytest

from smtpdoctor.lab.faults import LAB_PASSWORD, LAB_USER, Fault
from smtpdoctor.lab.smtp_server import LabSmtpServer
from smtpdoctor.core.settings import Secret, Security, Settings
from smtpdoctor.flows.diagnose import run_diagnosis


def _settings(srv, **kw) -> Settings:
    return Settings(host=srv.host, port=srv.port, user=LAB_USER, password=Secret(LAB_PASSWORD),
                    ca_file=srv.ca_file, timeout=5.0, sweep_ports=(), **kw)


def _attempts(srv) -> int:
    return sum(len(s.auth_attempts) for s in srv.sessions)


@pytest.mark.parametrize("cert", ["expired", "wrong-name", "self-signed"])
async def test_no_auth_over_a_certificate_that_failed(cert):
    async with LabSmtpServer(faults=(Fault.starttls(cert=cert), Fault.auth(tls_only=True))) as srv:
        report = await run_diagnosis(_settings(srv, security=Security.STARTTLS))
        assert _attempts(srv) == 0, "the password reached a server whose certificate did not verify"
    ids = [f.id for f in report.findings]
    assert "auth.withheld-certificate-unverified" in ids
    assert report.verdict.category.value == "connection", ids  # the certificate is the cause
    assert report.verdict.finding.startswith("tls."), ids
    assert report.to_json()["observations"]["auth"]["withheld"] == "certificate-unverified"


async def test_no_auth_over_implicit_tls_with_an_expired_certificate():
    async with LabSmtpServer(faults=(Fault.implicit_tls(cert="expired"), Fault.auth())) as srv:
        report = await run_diagnosis(_settings(srv, security=Security.TLS))
        assert _attempts(srv) == 0
    assert "auth.withheld-certificate-unverified" in [f.id for f in report.findings]


async def test_insecure_auth_sends_and_says_so():
    async with LabSmtpServer(faults=(Fault.starttls(cert="expired"), Fault.auth(tls_only=True))) as srv:
        report = await run_diagnosis(_settings(srv, security=Security.STARTTLS, insecure_auth=True))
        assert _attempts(srv) == 1
    ids = [f.id for f in report.findings]
    assert "auth.ok" in ids and "auth.sent-unverified" in ids
    assert report.to_json()["observations"]["auth"]["insecure"] is True


async def test_valid_certificate_authenticates_without_the_option():
    async with LabSmtpServer(faults=(Fault.starttls(), Fault.auth(tls_only=True))) as srv:
        report = await run_diagnosis(_settings(srv, security=Security.STARTTLS))
        assert _attempts(srv) == 1
    ids = [f.id for f in report.findings]
    assert "auth.ok" in ids and "auth.sent-unverified" not in ids


async def test_no_auth_in_the_clear_when_tls_was_asked_for():
    # AUTH offered in the clear, no STARTTLS: with --security starttls the password stays home.
    async with LabSmtpServer(faults=(Fault.auth(),)) as srv:
        report = await run_diagnosis(_settings(srv, security=Security.STARTTLS))
        assert _attempts(srv) == 0
    assert "auth.withheld-no-tls" in [f.id for f in report.findings]
