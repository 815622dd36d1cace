"""TLS contexts and the facts of a TLS session (version, cipher, the server's certificate).

Trust: the system's store, which honours ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` as OpenSSL does, plus an
optional ``ca_file`` (labs and private CAs).
"""

from __future__ import annotations

import datetime as dt
import ssl
from dataclasses import dataclass

__all__ = ["client_context", "CertFacts", "TlsFacts", "cert_facts", "VERIFY_CODES"]

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


def client_context(*, ca_file: str | None = None, verify: bool = True) -> ssl.SSLContext:
    ctx = ssl.create_default_context()  # system trust, SSL_CERT_FILE / SSL_CERT_DIR honoured
    if ca_file:
        ctx.load_verify_locations(cafile=ca_file)
    if not verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx


@dataclass(frozen=True, slots=True, kw_only=True)
class CertFacts:
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

    def to_json(self) -> dict:
        return {"subject": self.subject, "issuer": self.issuer, "dns_names": list(self.dns_names),
                "ip_addresses": list(self.ip_addresses), "not_before": self.not_before,
                "not_after": self.not_after, "self_signed": self.self_signed, "key": self.key,
                "sha256": self.sha256}


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

    @property
    def verify_problem(self) -> str | None:
        if self.verified or self.verify_code is None:
            return None
        return VERIFY_CODES.get(self.verify_code, "untrusted")

    def to_json(self) -> dict:
        return {"version": self.version, "cipher": self.cipher, "bits": self.bits, "verified": self.verified,
                "verify_code": self.verify_code, "verify_message": self.verify_message,
                "problem": self.verify_problem, "cert": self.cert.to_json() if self.cert else None}


def cert_facts(der: bytes) -> CertFacts | None:
    """Parse a DER certificate with ``cryptography``. Returns None if it cannot be parsed."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    try:
        cert = x509.load_der_x509_certificate(der)
    except ValueError:
        return None
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        dns_names = tuple(san.get_values_for_type(x509.DNSName))
        ips = tuple(str(i) for i in san.get_values_for_type(x509.IPAddress))
    except (x509.ExtensionNotFound, ValueError):
        dns_names, ips = (), ()
    try:
        pub = cert.public_key()
        if isinstance(pub, rsa.RSAPublicKey):
            key = f"RSA {pub.key_size}"
        elif isinstance(pub, ec.EllipticCurvePublicKey):
            key = f"EC {pub.curve.name}"
        elif isinstance(pub, ed25519.Ed25519PublicKey):
            key = "Ed25519"
        else:
            key = type(pub).__name__
    except Exception:  # an unsupported key algorithm must not stop the diagnosis
        key = "unknown"
    return CertFacts(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        dns_names=dns_names,
        ip_addresses=ips,
        not_before=cert.not_valid_before_utc.isoformat(),
        not_after=cert.not_valid_after_utc.isoformat(),
        self_signed=cert.issuer == cert.subject,
        key=key,
        sha256=cert.fingerprint(hashes.SHA256()).hex(),
    )
