"""The lab's provider receivers apply each provider's bulk-sender rules to the sender's real (lab) DNS
and answer DATA with the provider's reply; what `domain` predicts from its checklist for that provider
is exactly what the receiver says."""

from __future__ import annotations

import asyncio
import datetime as dt
import smtplib

import pytest

from smtpdoctor.flows.domain import audit_domain
from smtpdoctor.judge.checklist import predicted_reply
from smtpdoctor.lab.dns_server import LabDnsServer
from smtpdoctor.lab.faults import LAB_DOMAIN
from smtpdoctor.lab.provider_receiver import provider_receiver
from smtpdoctor.lab.smtp_server import LabSmtpServer
from smtpdoctor.lab.world import DKIM_SELECTOR, _dkim_public_key, lab_zone  # noqa: PLC2701 (the lab key)
from smtpdoctor.net.dns import Resolver

IP = "192.0.2.25"  # the sending IP: its PTR is mail.<lab domain>, which resolves back to it
D = LAB_DOMAIN
SPF = "v=spf1 ip4:192.0.2.0/24 -all"


def _zone() -> dict:
    zone = lab_zone(IP)
    zone["25.2.0.192.in-addr.arpa"] = {"PTR": [f"mail.{D}."]}
    key = {"TXT": [f"v=DKIM1; k=rsa; p={_dkim_public_key()}"]}
    zone["nodmarc-shop.test"] = {"TXT": [SPF]}  # a registered domain of its own: no parent's DMARC applies
    zone[f"{DKIM_SELECTOR}._domainkey.nodmarc-shop.test"] = key
    zone[f"nospf.{D}"] = {"A": [IP]}
    zone[f"{DKIM_SELECTOR}._domainkey.nospf.{D}"] = key
    zone[f"_dmarc.nospf.{D}"] = {"TXT": ["v=DMARC1; p=none"]}
    zone[f"bare.{D}"] = {"A": [IP]}
    zone[f"inherits.{D}"] = {"TXT": [SPF]}  # no DMARC of its own: the lab domain's applies
    zone[f"{DKIM_SELECTOR}._domainkey.inherits.{D}"] = key
    return zone


async def _send(server: LabSmtpServer, sender: str) -> tuple[int, str] | None:
    """What the receiver answered to DATA (code, text lines as smtplib joins them), or None if accepted."""
    def go() -> tuple[int, str] | None:
        with smtplib.SMTP(server.host, server.port, timeout=5) as smtp:
            try:
                smtp.sendmail(sender, ["someone@receiver.example"], b"Subject: t\r\n\r\nhello\r\n")
            except smtplib.SMTPDataError as exc:
                return exc.smtp_code, exc.smtp_error.decode()
        return None
    return await asyncio.to_thread(go)


def _as_smtplib_reads(reply: str) -> tuple[int, str]:
    lines = reply.split("\n")
    return int(lines[0][:3]), "\n".join(line[4:] for line in lines)


@pytest.mark.parametrize("provider", ["gmail", "microsoft", "yahoo"])
@pytest.mark.parametrize("domain, gmail_status", [
    (D, None), ("nodmarc-shop.test", "5.7.40"), (f"inherits.{D}", None), (f"nospf.{D}", "5.7.27"), (f"bare.{D}", "5.7.26"),
])
async def test_domain_predicts_what_the_receiver_says(provider, domain, gmail_status):
    zone = _zone()
    today = dt.date(2026, 6, 1)
    async with LabDnsServer(zone) as dns:
        audit = await audit_domain(Resolver([dns.address], timeout=2, lifetime=4), domain, ip=IP,
                                   dkim_selectors=(DKIM_SELECTOR,))
    predicted = predicted_reply(audit.checklist, provider)
    fault = provider_receiver(provider, zone, client_ip=IP, selector=DKIM_SELECTOR, today=today)
    async with LabSmtpServer([fault]) as server:
        said = await _send(server, f"news@{domain}")
    assert said == (_as_smtplib_reads(predicted) if predicted else None), [r.to_json() for r in audit.checklist]
    if provider == "gmail":
        assert (predicted.startswith(f"550-{gmail_status} ") if gmail_status else predicted is None), predicted
    if provider == "microsoft" and gmail_status:
        assert predicted == f"550 5.7.515 Access denied, sending domain [{domain}] does not meet the required authentication level."
    if provider == "yahoo":
        assert predicted is None  # Yahoo publishes no reply for these rules
