"""Shared pieces of the domain-audit tests: literal DNS answers for the pure checks, a lab DNS server with
a resolver for the integration tests, and zones for a well-configured and for broken domains."""

from __future__ import annotations

import base64
import contextlib
from typing import AsyncIterator

import pytest

from smtpdoctor.core.observations import DnsResult, Outcome
from smtpdoctor.net.dns import Resolver
from smtpdoctor.lab.dns_server import LabDnsServer

# A 512-bit RSA public key (SubjectPublicKeyInfo, base64): too weak on purpose.
RSA_512 = ("MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAMCt6cifi6Razn+c4aMSCU7JM8eB39SB/MzyWyF66KYRz1mXqyJgHsJnnUZNtNJb"
           "JiiZ5dwX0XC6tny5ltXNs6UCAwEAAQ==")


def answer(name: str, rdtype: str, *records: str, outcome: Outcome | None = None, **kw) -> DnsResult:
    """A literal DnsResult: OK with records, NODATA without, or the given outcome."""
    if outcome is None:
        outcome = Outcome.OK if records else Outcome.NODATA
    strings = tuple((r.encode(),) for r in records) if rdtype == "TXT" else ()
    return DnsResult(name=name, rdtype=rdtype, outcome=outcome, records=tuple(records), txt_strings=strings, **kw)


def rsa_key_b64(bits: int) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=bits)
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode()


@pytest.fixture(scope="session")
def rsa2048() -> str:
    return rsa_key_b64(2048)


@pytest.fixture(scope="session")
def rsa1024() -> str:
    return rsa_key_b64(1024)


def good_zone(domain: str = "good.test", dkim_key: str = "") -> dict:
    """A well-configured sending domain (SPF, DKIM, DMARC reject, MTA-STS TXT, TLS-RPT, PTR of 192.0.2.25)."""
    return {
        domain: {"MX": [f"10 mx1.{domain}.", f"20 mx2.{domain}."], "TXT": ["v=spf1 ip4:192.0.2.25 mx -all"],
                 "A": ["192.0.2.80"]},
        f"mx1.{domain}": {"A": ["192.0.2.25"], "AAAA": ["2001:db8::25"]},
        f"mx2.{domain}": {"A": ["192.0.2.26"]},
        f"mail.{domain}": {"A": ["192.0.2.25"]},
        "25.2.0.192.in-addr.arpa": {"PTR": [f"mail.{domain}."]},
        f"google._domainkey.{domain}": {"TXT": [f"v=DKIM1; k=rsa; p={dkim_key}"]},
        f"_dmarc.{domain}": {"TXT": [f"v=DMARC1; p=reject; rua=mailto:dmarc@{domain}"]},
        f"_smtp._tls.{domain}": {"TXT": [f"v=TLSRPTv1; rua=mailto:tls@{domain}"]},
    }


@contextlib.asynccontextmanager
async def lab_resolver(zone: dict, *, delay: float = 0.0, timeout: float = 0.5) -> AsyncIterator[tuple[Resolver, LabDnsServer]]:
    # a working resolver knows the root (the audit checks that before it believes an NXDOMAIN)
    async with LabDnsServer({".": {"NS": ["a.root-servers.test."]}, **zone}, delay=delay) as srv:
        yield Resolver([srv.address], timeout=timeout, lifetime=timeout * 2), srv
