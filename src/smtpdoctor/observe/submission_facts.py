"""What the walk on the configured port's session observed after the greeting, as frozen values: AUTH and the
envelope. Apart from :mod:`.facts` (which names them too) so that a run that never reaches AUTH (a refused,
filtered or silent port) does not build them nor import the SASL module (issue 16).
No socket, ssl or asyncio is imported here."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..core.serialize import JsonMixin, js
from ..protocol.replies import Reply
from ..protocol.sasl import SaslError

__all__ = ["AuthObservation", "EnvelopeObservation"]

_HIDDEN = js(omit=True)  # read by the checks, not written into reports
_MESSAGE = js(convert=lambda reply: reply.message)  # a reply (or a SASL error) as its one-line text


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthObservation(JsonMixin):
    attempted: bool
    offered: tuple[str, ...]  # mechanisms offered on the session we would authenticate on
    tls_active: bool = field(metadata=js(name="tls"))
    starttls_offered: bool = field(metadata=_HIDDEN)
    # Why AUTH was not attempted although credentials were given: "certificate-unverified" (the TLS
    # session's certificate failed verification) or "no-tls" (TLS was asked for, the session is plain).
    withheld: str | None = None
    insecure: bool = False  # credentials were sent anyway (--insecure-auth) over such a session
    mechanism: str | None = None
    reply: Reply | None = field(default=None, metadata=_MESSAGE)  # the final reply (235, 535 ...)
    sasl_error: SaslError | None = field(default=None, metadata=_MESSAGE)
    transport_error: str | None = None
    # the server's answer was not SMTP (garbage), as opposed to a network failure
    protocol_error: bool = field(default=False, metadata=_HIDDEN)
    oauth_error: dict | None = field(default=None, metadata=_HIDDEN)  # XOAUTH2: the decoded JSON error challenge
    steps: int = field(default=0, metadata=_HIDDEN)


@dataclass(frozen=True, slots=True, kw_only=True)
class EnvelopeObservation(JsonMixin):
    sender: str | None
    recipient: str | None
    mail: Reply | None = field(default=None, metadata=_MESSAGE)
    rcpt: Reply | None = field(default=None, metadata=_MESSAGE)
    data: Reply | None = field(default=None, metadata=_MESSAGE)
    smtputf8: bool = False
    transport_error: str | None = None
    stage_failed: str | None = field(default=None, metadata=_HIDDEN)  # where a transport failure happened
    # an address the server cannot take (non-ASCII without SMTPUTF8)
    address_error: str | None = field(default=None, metadata=_HIDDEN)
