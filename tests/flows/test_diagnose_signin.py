"""A password against Outlook.com, diagnosed end to end: the lab plays smtp-mail.outlook.com (its DNS name
through the lab's DNS server, a lab certificate for that name) and answers the login as Outlook.com does
since 2024-09-16; the verdict is that passwords are not accepted, with OAuth2 as the fix."""

from __future__ import annotations

from smtpdoctor.core.settings import Secret, Security, Settings
from smtpdoctor.flows.diagnose import run_diagnosis
from smtpdoctor.lab.dns_server import LabDnsServer
from smtpdoctor.lab.faults import Fault
from smtpdoctor.lab.smtp_server import LabSmtpServer

HOST = "smtp-mail.outlook.com"
OUTLOOK_535 = ("535 5.7.139 Authentication unsuccessful, basic authentication is disabled. "
               "[BN9PR03CA0011.namprd03.prod.outlook.com]")


async def test_outlook_password_is_not_a_typo():
    faults = (Fault.starttls(), Fault.auth(tls_only=True), Fault.auth_rejected(OUTLOOK_535))
    async with LabSmtpServer(faults=faults, cert_names=(HOST,)) as srv, \
            LabDnsServer({".": {"NS": ["a.root."]}, HOST: {"A": [srv.host]}}) as dns:
        report = await run_diagnosis(Settings(
            host=HOST, port=srv.port, security=Security.STARTTLS, user="me@outlook.com",
            password=Secret("an-app-password"), ca_file=srv.ca_file, resolvers=(dns.address,), timeout=5.0,
            sweep_ports=()))
    ids = [f.id for f in report.findings]
    assert report.verdict.finding == "auth.password-not-accepted", ids
    root = report.finding("auth.password-not-accepted")
    assert "2024-09-16" in root.title and any("OAuth2" in r for r in root.remedy)
    assert "auth.credentials-rejected" not in ids
