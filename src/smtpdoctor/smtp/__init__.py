"""The SMTP engine: a sans-I/O protocol core (:mod:`.protocol`), replies and capabilities, TLS facts,
and the asyncio driver (:mod:`.driver`)."""

from .capabilities import Capabilities, parse_ehlo
from .driver import SmtpSession, Timeouts, Transcript, map_exceptions
from .errors import (
    ConnectFailed,
    ConnectionClosed,
    ConnectRefused,
    ConnectReset,
    ConnectTimeout,
    HostUnreachable,
    LocalProtocolError,
    ReadTimeout,
    RemoteProtocolError,
    SmtpError,
    TlsHandshakeError,
    TlsVerifyError,
    TransportError,
)
from .protocol import NEED_DATA, ClientConnection, Closed, Limits, ReplyEvent, State
from .replies import Reply, parse_enhanced
from .tls import CertFacts, TlsFacts, client_context

__all__ = [
    "Capabilities", "parse_ehlo", "SmtpSession", "Timeouts", "Transcript", "map_exceptions",
    "ConnectFailed", "ConnectionClosed", "ConnectRefused", "ConnectReset", "ConnectTimeout", "HostUnreachable",
    "LocalProtocolError", "ReadTimeout", "RemoteProtocolError", "SmtpError", "TlsHandshakeError",
    "TlsVerifyError", "TransportError", "NEED_DATA", "ClientConnection", "Closed", "Limits", "ReplyEvent",
    "State", "Reply", "parse_enhanced", "CertFacts", "TlsFacts", "client_context",
]
