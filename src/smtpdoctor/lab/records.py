"""What a lab SMTP server records about each connection, for tests to assert on: the transcript of raw
bytes, TLS facts, AUTH attempts and the messages received."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Exchange", "AuthAttempt", "Message", "SessionRecord"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Exchange:
    """One piece of a session as it crossed the wire: a received line (without CRLF), bytes sent, or
    an ``info`` note from the server (TLS up, connection closed, ...)."""

    t: float  # seconds since the connection was accepted
    dir: str  # "recv" | "send" | "info"
    tls: bool
    data: bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthAttempt:
    mechanism: str
    username: str | None
    password: str | None = field(default=None, repr=False)  # never in a repr
    success: bool
    reply: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    mail_from: str
    rcpt_to: tuple[str, ...]
    data: bytes  # the message as received (dot-unstuffed for DATA), without the final "."
    via: str  # "DATA" | "BDAT"


@dataclass(slots=True, kw_only=True)
class SessionRecord:
    """What one client connection did. Filled in while the session runs."""

    peer: tuple
    transcript: list[Exchange] = field(default_factory=list)
    tls_version: str | None = None
    tls_cipher: str | None = None
    tls_error: str | None = None
    discarded_after_starttls: bytes = b""  # plaintext the client sent after STARTTLS, before TLS
    auth_attempts: list[AuthAttempt] = field(default_factory=list)
    authenticated_as: str | None = None
    messages: list[Message] = field(default_factory=list)
    ended: str | None = None  # quit, client-closed, server-closed, reset, tls-failed, idle-timeout, stopped, error: ...

    @property
    def received(self) -> list[bytes]:
        """Every line the client sent, in order, without CRLF (AUTH payloads included)."""
        return [e.data for e in self.transcript if e.dir == "recv"]

    @property
    def commands(self) -> list[str]:
        """The received lines as text (undecodable bytes escaped as surrogates)."""
        return [line.decode("utf-8", "surrogateescape") for line in self.received]

    @property
    def sent(self) -> bytes:
        """Everything the server wrote, concatenated."""
        return b"".join(e.data for e in self.transcript if e.dir == "send")
