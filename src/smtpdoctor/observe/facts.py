"""What the probes (observe/) hand to the checks, as frozen values: ports, the host lookup, the sweep, AUTH
and the envelope (those two in :mod:`.submission_facts`). No socket, ssl or asyncio is imported here (a test
keeps it so)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from enum import StrEnum

from ..core.observations import DnsResult, Failure, Outcome
from ..core.lazy_names import lazy_names
from ..core.serialize import JsonMixin, js

TYPE_CHECKING = False
if TYPE_CHECKING:  # made by an open connection's session, which imports them (net/smtp): issue 16
    from ..core.observations import TlsFacts
    from ..protocol.capabilities import Capabilities
    from ..protocol.replies import Reply

__all__ = ["PortOutcome", "Mode", "TlsFailure", "PortObservation", "HostLookup", "SweepResult",
           "AuthObservation", "EnvelopeObservation"]

# The AUTH and envelope observations are in .submission_facts, built only by a run that reaches AUTH (two
# frozen data classes and the SASL module, ~3 ms of imports a refused or filtered port never needs: issue 16);
# named here too, as the probes' one door for the checks.
__getattr__ = lazy_names(globals(), {"AuthObservation": ".submission_facts",  # PEP 562
                                     "EnvelopeObservation": ".submission_facts"})

_MESSAGE = js(convert=lambda reply: reply.message)  # a reply (or a SASL error) as its one-line text


class PortOutcome(StrEnum):
    SMTP = "smtp"  # an SMTP greeting 2xx
    GREETING_REJECTED = "greeting-rejected"  # 4xx/5xx greeting
    REFUSED = "refused"  # a TCP reset: nothing listens (or a firewall that fakes a reset)
    REJECTED = "rejected"  # ICMP port unreachable: a firewall's REJECT rule
    FILTERED = "filtered"  # no answer to SYN: a firewall dropping, or the host is gone
    RESET = "reset"  # accepted then reset before the greeting
    UNREACHABLE = "unreachable"  # ICMP host/net unreachable or administratively prohibited
    SILENT = "silent"  # accepted the connection and never said a word (also not TLS)
    CLOSED = "closed"  # accepted and closed without a greeting
    NOT_SMTP = "not-smtp"  # spoke, but not SMTP (HTTP, garbage, oversized lines)
    ERROR = "error"  # any other local error


class Mode(StrEnum):
    PLAIN = "plain"  # SMTP in the clear (STARTTLS may be offered)
    IMPLICIT_TLS = "implicit-tls"  # TLS from the first byte (SMTPS, 465)


@dataclass(frozen=True, slots=True, kw_only=True)
class TlsFailure(JsonMixin):
    kind: str  # "verify", "handshake", "refused" (STARTTLS answered 4xx/5xx), "closed", "timeout"
    message: str
    reason: str | None = None
    reply: Reply | None = field(default=None, metadata=_MESSAGE)


@dataclass(frozen=True, slots=True, kw_only=True)
class PortObservation:
    address: str
    port: int
    family: int  # 4 or 6
    outcome: PortOutcome
    mode: Mode | None = None
    error: str | None = None  # the failure, in words
    errno: int | None = None
    connect_time: float | None = None
    greeting_time: float | None = None  # from connect to the complete greeting
    greeting: Reply | None = None
    not_smtp_kind: str | None = None  # "http", "tls", "garbage", "too-long", "binary"
    sample: str | None = None  # what a non-SMTP service sent (first bytes)
    ehlo: Reply | None = None
    capabilities: Capabilities | None = None
    starttls_offered: bool = False
    tls: TlsFacts | None = None
    tls_failure: TlsFailure | None = None
    capabilities_after_tls: Capabilities | None = None
    local_address: str | None = None
    later_failure: Failure | None = None  # a failure after the greeting (EHLO dropped, reset, a stall ...)
    elapsed: float = 0.0

    @property
    def later_error(self) -> str | None:
        """The failure after the greeting, in words (with its phase)."""
        return str(self.later_failure) if self.later_failure else None

    @property
    def speaks_smtp(self) -> bool:
        return self.outcome is PortOutcome.SMTP

    @property
    def answered(self) -> bool:
        """The host's TCP stack answered on this port (anything but a filtered/unreachable result)."""
        return self.outcome not in (PortOutcome.FILTERED, PortOutcome.UNREACHABLE, PortOutcome.REJECTED,
                                    PortOutcome.ERROR)

    @property
    def effective_capabilities(self) -> Capabilities | None:
        return self.capabilities_after_tls or self.capabilities

    @property
    def tls_ok(self) -> bool:
        return self.tls is not None and self.tls.verified

    def to_json(self) -> dict:
        return {
            "address": self.address, "port": self.port, "family": self.family, "outcome": str(self.outcome),
            "mode": str(self.mode) if self.mode else None, "error": self.error,
            "connect_ms": _ms(self.connect_time), "greeting_ms": _ms(self.greeting_time),
            "greeting": self.greeting.message if self.greeting else None,
            "not_smtp": self.not_smtp_kind, "sample": self.sample,
            "ehlo": self.capabilities.to_json() if self.capabilities else None,
            "starttls_offered": self.starttls_offered,
            "tls": self.tls.to_json() if self.tls else None,
            "tls_failure": self.tls_failure.to_json() if self.tls_failure else None,
            "ehlo_after_tls": self.capabilities_after_tls.to_json() if self.capabilities_after_tls else None,
            "later_error": self.later_error,
        }


def _ms(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)


@dataclass(frozen=True, slots=True, kw_only=True)
class HostLookup:
    host: str
    literal: bool  # the host was given as an IP address
    a: DnsResult | None = None
    aaaa: DnsResult | None = None
    root: DnsResult | None = None  # the canary ". NS", asked only when the host is NXDOMAIN

    @property
    def resolver_lies(self) -> bool:
        """The resolver said NXDOMAIN for the host and cannot even name the root's servers: its NXDOMAIN
        means nothing (no network, a captive portal, a filtering or broken resolver)."""
        return self.root is not None and not self.root.ok

    @property
    def ipv4(self) -> tuple[str, ...]:
        if self.literal:
            return (self.host,) if ipaddress.ip_address(self.host).version == 4 else ()
        return self.a.records if self.a and self.a.ok else ()

    @property
    def ipv6(self) -> tuple[str, ...]:
        if self.literal:
            return (self.host,) if ipaddress.ip_address(self.host).version == 6 else ()
        return self.aaaa.records if self.aaaa and self.aaaa.ok else ()

    @property
    def addresses(self) -> tuple[str, ...]:
        return self.ipv4 + self.ipv6

    @property
    def outcomes(self) -> tuple[Outcome, ...]:
        return tuple(r.outcome for r in (self.a, self.aaaa) if r is not None)

    def to_json(self) -> dict:
        return {"host": self.host, "literal": self.literal, "ipv4": list(self.ipv4), "ipv6": list(self.ipv6),
                "a": self.a.to_json() if self.a else None, "aaaa": self.aaaa.to_json() if self.aaaa else None,
                "root_canary": self.root.to_json() if self.root else None}


@dataclass(frozen=True, slots=True, kw_only=True)
class SweepResult:
    ports: tuple[PortObservation, ...]
    configured_port: int

    def on(self, port: int, family: int | None = None) -> tuple[PortObservation, ...]:
        return tuple(p for p in self.ports if p.port == port and (family is None or p.family == family))

    def to_json(self) -> list[dict]:
        return [p.to_json() for p in self.ports]
