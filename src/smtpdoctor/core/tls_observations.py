"""What a TLS handshake and an HTTPS fetch hand up, as plain values: :class:`CertFacts`, :class:`TlsFacts`
(with the OpenSSL verify codes we name) and :class:`PolicyFetch` (the MTA-STS policy, a BIMI file).

Part of :mod:`smtpdoctor.core.observations`, which re-exports every name here; apart because a DNS audit
needs them only for an MTA-STS or BIMI fetch or a DANE check against a server's certificates, and its first
answers are read while its modules are still being imported (issue 16).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .serialize import JsonMixin, js

__all__ = ["CertFacts", "TlsFacts", "VERIFY_CODES", "PolicyFetch"]

_HIDDEN = js(omit=True)  # kept for the checks, not written into reports


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

