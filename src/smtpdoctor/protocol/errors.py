"""Errors by blame and by phase (style.md #4), each carrying its fields.

The driver translates OS, ``ssl`` and ``asyncio`` exceptions into these in one place
(:func:`smtpdoctor.net.smtp.map_exceptions`); probes turn them into observation values.
"""

from __future__ import annotations

from ..core.observations import Failure

__all__ = [
    "SmtpError",
    "LocalProtocolError",
    "RemoteProtocolError",
    "TransportError",
    "ConnectTimeout",
    "ConnectRefused",
    "ConnectReset",
    "ConnectRejected",
    "HostUnreachable",
    "ConnectFailed",
    "ReadTimeout",
    "ConnectionClosed",
    "TlsHandshakeError",
    "TlsVerifyError",
]


class SmtpError(Exception):
    """Base of everything the SMTP layer raises."""

    kind = "error"
    phase = ""
    errno: int | None = None

    @property
    def failure(self) -> Failure:
        """This error as a value, for observations (never ``str(exc)``)."""
        return Failure(kind=self.kind, phase=self.phase, errno=self.errno, message=str(self.args[0] if self.args else self))


class LocalProtocolError(SmtpError):
    """We were asked to do something the protocol state does not allow (a bug on our side)."""

    kind = "local"


class RemoteProtocolError(SmtpError):
    """The server broke the protocol: a malformed or oversized reply, non-SMTP bytes."""

    kind = "protocol"

    def __init__(self, message: str, *, data: bytes = b"") -> None:
        super().__init__(message)
        self.data = data[:200]  # a sample of what was received, for the report


class TransportError(SmtpError):
    """The network failed. ``phase`` tells where: connect, greeting, ehlo, starttls, auth, mail, rcpt..."""

    def __init__(self, message: str, *, phase: str = "", errno: int | None = None) -> None:
        super().__init__(message)
        self.phase = phase
        self.errno = errno


class ConnectTimeout(TransportError):
    kind = "timeout"


class ConnectRefused(TransportError):
    kind = "refused"


class ConnectReset(TransportError):
    kind = "reset"


class ConnectRejected(TransportError):
    """Refused with an ICMP "port unreachable" instead of a TCP reset: a firewall's REJECT rule, since a
    host with a closed port answers with a reset. ``icmp`` is (type, code)."""

    kind = "rejected"

    def __init__(self, message: str, *, phase: str = "", errno: int | None = None,
                 icmp: tuple[int, int] = (0, 0)) -> None:
        super().__init__(message, phase=phase, errno=errno)
        self.icmp = icmp


class HostUnreachable(TransportError):
    """No route / host or network unreachable / administratively prohibited (ICMP)."""

    kind = "unreachable"


class ConnectFailed(TransportError):
    kind = "error"


class ReadTimeout(TransportError):
    kind = "read-timeout"


class ConnectionClosed(TransportError):
    """The server closed the connection (EOF) while we waited for a reply."""

    kind = "closed"


class TlsHandshakeError(TransportError):
    """The TLS handshake failed for a reason other than certificate verification."""

    kind = "tls-handshake"

    def __init__(self, message: str, *, phase: str = "", reason: str | None = None,
                 plaintext_peer: bool = False) -> None:
        super().__init__(message, phase=phase)
        self.reason = reason  # OpenSSL's reason, e.g. WRONG_VERSION_NUMBER
        self.plaintext_peer = plaintext_peer  # the server answered in plain text (not TLS)


class TlsVerifyError(TransportError):
    """The server's certificate did not verify. ``verify_code`` is OpenSSL's X509_V_ERR_* number."""

    kind = "tls-verify"

    def __init__(self, message: str, *, phase: str = "", verify_code: int = 0, verify_message: str = "") -> None:
        super().__init__(message, phase=phase)
        self.verify_code = verify_code
        self.verify_message = verify_message
