"""What the I/O floor (net/) hands up, as plain values: DNS answers, TLS facts, the MTA-STS fetch, and
:class:`Failure`, the one shape of a failed step. No socket, ssl or asyncio is imported here, so the
checks (judge/) can read observations without pulling in I/O. The TLS facts and the fetch are defined in
:mod:`smtpdoctor.core.tls_observations` and re-exported here (loaded on first use)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from .lazy_names import lazy_names
from .serialize import JsonMixin, js

__all__ = ["Failure", "Outcome", "DnsResult", "QueryLogEntry", "CertFacts", "TlsFacts", "VERIFY_CODES",
           "PolicyFetch"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Failure(JsonMixin):
    """A step that failed, as a value: built in one place from the exception that stopped it
    (:func:`smtpdoctor.net.smtp.failure_of`), never from ``str(exc)`` scattered over the probes.

    ``kind``: timeout, refused, rejected, reset, unreachable, read-timeout, closed, tls-handshake,
    tls-verify, protocol (the server broke the protocol), local (our side), error.
    ``phase``: where it happened: connect, greeting, ehlo, starttls, tls, auth, mail, rcpt, data, quit.
    """

    kind: str
    phase: str = field(default="", metadata=js(convert=lambda phase: phase or None))
    errno: int | None = None
    message: str = ""

    def __str__(self) -> str:
        return f"{self.message} ({self.phase})" if self.phase else self.message


class Outcome(StrEnum):
    OK = "ok"  # NOERROR with records of the asked type
    NODATA = "nodata"  # NOERROR, the name exists, no records of this type
    NXDOMAIN = "nxdomain"
    SERVFAIL = "servfail"
    REFUSED = "refused"
    TIMEOUT = "timeout"
    ERROR = "error"  # anything else (bad name, malformed answer, other rcode)

    @property
    def is_failure(self) -> bool:
        """True when the question could not be answered: "could not test", never "missing"."""
        return self in (Outcome.SERVFAIL, Outcome.REFUSED, Outcome.TIMEOUT, Outcome.ERROR)

    @property
    def is_negative(self) -> bool:
        """True when the DNS answered that there is nothing (the name or the type does not exist)."""
        return self in (Outcome.NODATA, Outcome.NXDOMAIN)


@dataclass(frozen=True, slots=True, kw_only=True)
class DnsResult:
    name: str  # the name asked, lower-case, without the final dot
    rdtype: str  # "A", "MX", "TXT" ...
    outcome: Outcome
    records: tuple[str, ...] = ()  # rdata as text (TXT: the strings joined, without quotes)
    ttl: int | None = None
    canonical_name: str | None = None  # where a CNAME chain ended, when it did
    authenticated: bool = False  # the AD flag of the answer (DNSSEC validated by the resolver)
    error: str | None = None
    elapsed: float = 0.0
    txt_strings: tuple[tuple[bytes, ...], ...] = ()  # TXT only: the raw character-strings of each record
    signatures: tuple[str, ...] = ()  # RRSIG rdata (text) covering these records, as the resolver gave them
    failure: Failure | None = None  # why no server answered, when the network said so (a refusal)

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.OK

    def to_json(self) -> dict:
        out = {"name": self.name, "type": self.rdtype, "outcome": str(self.outcome),
               "records": list(self.records), "error": self.error}
        if self.failure is not None:
            out["failure"] = self.failure.to_json()
        return out


@dataclass(frozen=True, slots=True)
class QueryLogEntry:
    name: str
    rdtype: str
    outcome: Outcome
    elapsed: float


# The TLS facts and the HTTPS fetch live in core/tls_observations.py and load on first use (PEP 562): the
# domain audit reads its first DNS answers while its modules are still being imported, and needs them only
# for an MTA-STS or BIMI fetch, or a DANE check against a server's certificates.
_TLS_NAMES = frozenset({"CertFacts", "TlsFacts", "VERIFY_CODES", "PolicyFetch"})
__getattr__ = lazy_names(globals(), dict.fromkeys(_TLS_NAMES, ".tls_observations"))
