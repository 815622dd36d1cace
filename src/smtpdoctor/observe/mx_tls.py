"""The certificate chain an MX host presents on port 25 after STARTTLS, as a sender would see it (for
DANE, RFC 7672). Verification is off on purpose: DANE replaces the trust store, so the chain is taken as
sent and matched against the TLSA records by :func:`smtpdoctor.protocol.dane.match_tlsa`."""

from __future__ import annotations

from dataclasses import dataclass

from ..protocol.errors import SmtpError
from ..net.smtp import SmtpSession, Timeouts
from ..net.tls import client_context

__all__ = ["MxCertificate", "fetch_mx_chain"]


@dataclass(frozen=True, slots=True, kw_only=True)
class MxCertificate:
    host: str
    address: str
    port: int
    chain: tuple[bytes, ...] = ()  # DER, leaf first
    starttls_offered: bool | None = None
    error: str | None = None  # why there is no chain (connect failed, no STARTTLS, handshake failed)

    def to_json(self) -> dict:
        return {"host": self.host, "address": self.address, "port": self.port, "certificates": len(self.chain),
                "starttls_offered": self.starttls_offered, "error": self.error}


async def fetch_mx_chain(host: str, address: str, *, port: int = 25, helo: str = "smtpdoctor.invalid",
                         timeouts: Timeouts = Timeouts()) -> MxCertificate:
    """Connect, EHLO, STARTTLS (SNI = the MX host name), take the chain, QUIT. Failures are values."""
    base = dict(host=host, address=address, port=port)
    try:
        session = await SmtpSession.open(address, port, server_name=host, timeouts=timeouts)
    except SmtpError as exc:
        return MxCertificate(**base, error=f"connect: {exc}")
    try:
        greeting = await session.greeting()
        if greeting.code != 220:
            return MxCertificate(**base, error=f"greeting: {greeting.code} {greeting.message}"[:200])
        _, caps = await session.ehlo(helo)
        if not (caps and caps.starttls):
            return MxCertificate(**base, starttls_offered=False, error="STARTTLS not offered")
        reply = await session.command("STARTTLS")
        if reply.code != 220:
            return MxCertificate(**base, starttls_offered=True, error=f"STARTTLS: {reply.code} {reply.message}"[:200])
        tls = await session.start_tls(client_context(verify=False), phase="starttls")
        await session.quit()
        return MxCertificate(**base, starttls_offered=True, chain=tls.chain)
    except SmtpError as exc:
        return MxCertificate(**base, error=str(exc)[:200])
    finally:
        await session.close()
