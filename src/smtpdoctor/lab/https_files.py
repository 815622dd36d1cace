"""A lab HTTPS server of fixed files (the BIMI logo and mark certificate of a DNS scenario, an MTA-STS
policy), with a certificate of any lab kind (valid, expired, ...) from the lab CA, and the lab's maker of
BIMI mark certificates (VMC / CMC).

The server is asyncio streams + ssl, answering ``GET path`` with the file (and its Content-Type, when
given) or 404 and closing; enough for the audit's one-request fetches (``net/https.fetch_url``), never a
general web server. Callers that are not async run it with ``lab.background.in_background``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Mapping

from .certs import LabPki, default_pki

__all__ = ["LabHttpsFiles", "mark_certificate", "TINY_PS_LOGO"]

#: a logo that meets every SVG Tiny PS rule the audit checks
TINY_PS_LOGO = ('<svg xmlns="http://www.w3.org/2000/svg" version="1.2" baseProfile="tiny-ps" viewBox="0 0 64 64">'
                '<title>Lab Brand</title><circle cx="32" cy="32" r="30" fill="#c00"/></svg>')


def mark_certificate(mark_type: str, *, days: int, bimi_usage: bool = True) -> str:
    """A self-signed PEM shaped like a BIMI mark certificate: the BIMI extended key usage
    (1.3.6.1.5.5.7.3.31) and the subject's mark type (1.3.6.1.4.1.53087.1.13), valid ``days`` from now
    (negative: expired that many days ago)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Lab Brand Ltd"),
                         x509.NameAttribute(x509.ObjectIdentifier("1.3.6.1.4.1.53087.1.13"), mark_type)])
    usage = [x509.ObjectIdentifier("1.3.6.1.5.5.7.3.31")] if bimi_usage else [ExtendedKeyUsageOID.SERVER_AUTH]
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=400)).not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.ExtendedKeyUsage(usage), critical=False)
            .sign(key, hashes.SHA256()))
    return cert.public_bytes(serialization.Encoding.PEM).decode()


class LabHttpsFiles:
    """``async with LabHttpsFiles({"/logo.svg": text}, names=("bimi.lab.test",)) as srv``: ``srv.port``.
    ``kind`` is the certificate's (``lab.certs.CertKind``), ``content_types`` maps a path to its type."""

    def __init__(self, files: Mapping[str, str], *, names: tuple[str, ...], pki: LabPki | None = None,
                 host: str = "127.0.0.1", port: int = 0, kind: str = "valid",
                 content_types: Mapping[str, str] | None = None) -> None:
        self.files = {path: body.encode() for path, body in files.items()}
        self.content_types = dict(content_types or {})
        self.pki = pki or default_pki()
        self.names = names
        self.host = host
        self.port = port
        self.kind = kind
        self._server: asyncio.base_events.Server | None = None

    async def __aenter__(self) -> "LabHttpsFiles":
        context = self.pki.server_context(self.kind, self.names)
        self._server = await asyncio.start_server(self._serve, self.host, self.port, ssl=context)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            path = request.split(b" ", 2)[1].decode("ascii", "replace") if request.count(b" ") >= 2 else ""
            body = self.files.get(path)
            status = b"200 OK" if body is not None else b"404 Not Found"
            body = body if body is not None else b""
            ctype = self.content_types.get(path) if status == b"200 OK" else None
            head = f"Content-Type: {ctype}\r\n".encode("ascii") if ctype else b""
            writer.write(b"HTTP/1.1 " + status + b"\r\n" + head + b"Content-Length: " + str(len(body)).encode()
                         + b"\r\nConnection: close\r\n\r\n" + body)
            await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError, OSError):
            pass
        finally:
            writer.close()
