"""What the I/O floor (net/) hands up, as plain values: DNS answers, TLS facts, the MTA-STS fetch, and
:class:`Failure`, the one shape of a failed step. No socket, ssl or asyncio is imported here, so the
checks (judge/) can read observations without pulling in I/O."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from .serialize import JsonMixin, js

__all__ = ["Failure", "Outcome", "DnsResult", "QueryLogEntry", "CertFacts", "TlsFacts", "VERIFY_CODES",
           "PolicyFetch"]

_HIDDEN = js(omit=True)  # kept for the checks, not written into reports


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


# OpenSSL X509_V_ERR_* codes we name (include/openssl/x509_vfy.h).
VERIFY_CODES = {
    9: "not-yet-valid",
    10: "expired",
    18: "self-signed",
    19: "self-signed-chain",
    20: "unknown-issuer",
    21: "unknown-issuer",
    62: "hostname-mismatch",
    64: "ip-mismatch",
    66: "weak-key",  # X509_V_ERR_EE_KEY_TOO_SMALL
    67: "weak-key",  # X509_V_ERR_CA_KEY_TOO_SMALL
    68: "weak-signature",  # X509_V_ERR_CA_MD_TOO_WEAK
}


@dataclass(frozen=True, slots=True, kw_only=True)
class CertFacts(JsonMixin):
    subject: str
    issuer: str
    dns_names: tuple[str, ...]
    ip_addresses: tuple[str, ...]
    not_before: str  # ISO 8601, UTC
    not_after: str
    self_signed: bool
    key: str  # "RSA 2048", "EC secp256r1", "Ed25519"
    sha256: str

    def days_left(self, now: dt.datetime) -> int:
        return (dt.datetime.fromisoformat(self.not_after) - now).days


@dataclass(frozen=True, slots=True, kw_only=True)
class TlsFacts:
    version: str | None  # "TLSv1.3"
    cipher: str | None
    bits: int | None
    verified: bool  # the chain and the name verified against the trust store
    verify_code: int | None = None
    verify_message: str | None = None
    cert: CertFacts | None = None
    server_hostname: str | None = None  # the name we verified against (SNI)
    chain: tuple[bytes, ...] = ()  # DER certificates as the server sent them, leaf first (for DANE)

    @property
    def verify_problem(self) -> str | None:
        if self.verified or self.verify_code is None:
            return None
        return VERIFY_CODES.get(self.verify_code, "untrusted")

    def to_json(self) -> dict:
        return {"version": self.version, "cipher": self.cipher, "bits": self.bits, "verified": self.verified,
                "verify_code": self.verify_code, "verify_message": self.verify_message,
                "problem": self.verify_problem, "cert": self.cert.to_json() if self.cert else None}


@dataclass(frozen=True, slots=True, kw_only=True)
class PolicyFetch(JsonMixin):
    url: str
    address: str | None = None  # the IP connected to
    status: int | None = None
    content_type: str | None = None
    location: str | None = field(default=None, metadata=_HIDDEN)  # a redirect's target (not followed)
    body: str | None = field(default=None, metadata=_HIDDEN)
    error_kind: str | None = None  # dns | dns-failed | connect | tls | timeout | http | too-large
    error: str | None = None
    elapsed: float = field(default=0.0, metadata=_HIDDEN)

    @property
    def ok(self) -> bool:
        return self.error_kind is None and self.status == 200

