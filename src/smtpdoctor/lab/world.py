"""The lab's DNS world: a well-configured sending domain and a blocklist zone, served by the lab DNS server.

Every lab scenario sends as ``user@lab.test``; its diagnosis audits ``lab.test`` and checks a blocklist.
Offline there is no Internet DNS, so the lab serves both itself: ``lab.test`` with MX, SPF, a real 2048-bit
DKIM key (made at run time), DMARC at ``p=reject`` and TLS-RPT; and a blocklist zone
``bl.lab.test`` that answers its RFC 5782 test points (127.0.0.2 listed, 127.0.0.1 not), plus whatever
addresses a scenario lists in it. The MX points at 192.0.2.25 (TEST-NET-1): data only, the audit
never connects to it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from functools import cache
from typing import Iterable

from ..core.dnsbl_zones import Kind
from .blocklists import dnsbl_records
from .dns_server import LabDnsServer
from .faults import LAB_DOMAIN

__all__ = ["LabWorld", "lab_zone", "BLOCKLIST_ZONE", "DKIM_SELECTOR", "INTERCEPTED_HOST", "INTERCEPTED_ADDRESS"]

BLOCKLIST_ZONE = "bl.lab.test"
DKIM_SELECTOR = "s1"
# A well-known provider's submission host, answered with a lab address: what a hosts-file entry, a
# hijacked resolver or a TLS-intercepting antivirus makes of it. The interception scenario listens there.
INTERCEPTED_HOST = "smtp.office365.com"
INTERCEPTED_ADDRESS = "127.0.0.77"


@cache
def _dkim_public_key() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    der = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(der).decode("ascii")


def lab_zone(mail_host_address: str = "192.0.2.25", *, listed: Iterable[str] = ()) -> dict:
    """The zone data of the lab's world (see the module docstring)."""
    d = LAB_DOMAIN
    zone: dict = {
        ".": {"NS": ["a.root-servers.lab.test."]},  # the canary a working resolver always answers
        d: {"MX": [f"10 mail.{d}."], "A": [mail_host_address],
            "TXT": ["v=spf1 ip4:127.0.0.0/8 ip4:192.0.2.0/24 -all"]},
        f"mail.{d}": {"A": [mail_host_address]},
        INTERCEPTED_HOST: {"A": [INTERCEPTED_ADDRESS]},
        f"_dmarc.{d}": {"TXT": [f"v=DMARC1; p=reject; rua=mailto:dmarc@{d}; adkim=r; aspf=r"]},
        f"{DKIM_SELECTOR}._domainkey.{d}": {"TXT": [f"v=DKIM1; k=rsa; p={_dkim_public_key()}"]},
        f"_smtp._tls.{d}": {"TXT": [f"v=TLSRPTv1; rua=mailto:tlsrpt@{d}"]},
    }
    listed = tuple(listed)
    zone.update(dnsbl_records(BLOCKLIST_ZONE, {ip: "127.0.0.2" for ip in listed},
                              txt={ip: f"Listed in the lab blocklist: {ip}" for ip in listed},
                              kinds=(Kind.IPV4, Kind.DOMAIN)))
    return zone


@dataclass
class LabWorld:
    """``async with LabWorld() as world``: ``world.resolver`` ("127.0.0.1:PORT") and ``world.dnsbl_zones``
    go into the diagnosed settings."""

    mail_host_address: str = "192.0.2.25"
    listed: tuple[str, ...] = ()
    delay: float = 0.0
    server: LabDnsServer | None = field(default=None, init=False)

    async def __aenter__(self) -> "LabWorld":
        self.server = await LabDnsServer(lab_zone(self.mail_host_address, listed=self.listed),
                                         delay=self.delay).start()
        return self

    async def __aexit__(self, *exc) -> None:
        if self.server is not None:
            await self.server.stop()

    @property
    def resolver(self) -> str:
        assert self.server is not None, "the lab world is not started"
        return self.server.address

    @property
    def dnsbl_zones(self) -> tuple[str, ...]:
        return (BLOCKLIST_ZONE,)

    def overrides(self) -> dict:
        """Settings fields that point a diagnosis at this world."""
        return {"resolvers": (self.resolver,), "dnsbl_zones": self.dnsbl_zones,
                "dkim_selectors": (DKIM_SELECTOR,)}
