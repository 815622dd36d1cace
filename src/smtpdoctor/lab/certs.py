"""Certificates for the lab, made at run time with ``cryptography``: a test CA and the leaf certificates
whose faults the TLS checks must tell apart.

One :class:`LabPki` holds a CA and issues leaf certificates of a :class:`CertKind` for a set of names:

========================  =====================================================================
``valid``                 signed by the lab CA, valid now, for the names asked (DNS and IP SANs)
``expired``               like ``valid`` but ``notAfter`` 30 days ago
``not-yet-valid``         like ``valid`` but ``notBefore`` 30 days ahead
``expiring-soon``         like ``valid`` but ``notAfter`` 5 days ahead (a warning, not a failure)
``wrong-name``            valid and signed by the CA, but only for ``wrong-name.lab.invalid``
``self-signed``           the right names and dates, signed by its own key (no CA)
``weak-key``              signed by the CA, right names, but an RSA 1024 key (clients at OpenSSL
                          security level 2, Python's default, refuse it: "EE certificate key too weak")
========================  =====================================================================

Every file is PEM in the PKI's temporary directory. The server side gets an ``ssl.SSLContext`` from
:meth:`LabPki.server_context`; the client side trusts :attr:`LabPki.ca_file` (``--ca-file``), or uses
:meth:`LabPki.client_context` in tests.

Key generation is the slow part, so keys are made once per process and shared by every certificate:
ECDSA P-256 for the CA and the leaves, one RSA 1024 key for ``weak-key`` (made only when asked for).
Certificates are cheap (one ECDSA signature) and are cached per PKI by kind and names.
"""

from __future__ import annotations

import atexit
import datetime as _dt
import functools
import ipaddress
import shutil
import ssl
import tempfile
import threading
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Iterable

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

__all__ = [
    "CertKind",
    "CertFiles",
    "LabPki",
    "LAB_HOSTNAME",
    "LAB_NAMES",
    "WRONG_NAME",
    "default_pki",
]

LAB_HOSTNAME = "mail.lab.test"
LAB_NAMES: tuple[str, ...] = (LAB_HOSTNAME, "localhost", "127.0.0.1", "::1")
WRONG_NAME = "wrong-name.lab.invalid"

_DAY = _dt.timedelta(days=1)


class CertKind(StrEnum):
    VALID = "valid"
    EXPIRED = "expired"
    NOT_YET_VALID = "not-yet-valid"
    EXPIRING_SOON = "expiring-soon"
    WRONG_NAME = "wrong-name"
    SELF_SIGNED = "self-signed"
    WEAK_KEY = "weak-key"


@dataclass(frozen=True, slots=True, kw_only=True)
class CertFiles:
    """One issued certificate: where its PEM files are and what it claims."""

    kind: CertKind
    cert_file: Path  # the leaf certificate (PEM)
    key_file: Path  # its private key (PEM, unencrypted)
    names: tuple[str, ...]  # subjectAltName entries (DNS names and IP addresses)
    not_before: _dt.datetime
    not_after: _dt.datetime
    self_signed: bool


# -- keys: made once per process --------------------------------------------------------------------
@functools.cache
def _ec_key(label: str) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


@functools.cache
def _weak_rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=1024)


def _san(names: Iterable[str]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for name in names:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


def _pem_key(key) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


class LabPki:
    """A throw-away CA and the leaf certificates it issues, as PEM files under ``directory``.

    Without ``directory`` a temporary directory is made on first use and removed by :meth:`close`
    (or at interpreter exit). Thread-safe; instances are cheap because keys are shared per process.
    """

    def __init__(self, directory: Path | str | None = None, *, ca_name: str = "smtpdoctor lab CA") -> None:
        self._directory = Path(directory) if directory is not None else None
        self._own_directory = directory is None
        self._ca_name = ca_name
        self._lock = threading.Lock()
        self._ca_cert: x509.Certificate | None = None
        self._ca_file: Path | None = None
        self._issued: dict[tuple[CertKind, tuple[str, ...]], CertFiles] = {}
        self._contexts: dict[tuple[CertKind, tuple[str, ...]], ssl.SSLContext] = {}

    # -- files -------------------------------------------------------------------------------------
    @property
    def directory(self) -> Path:
        if self._directory is None:
            self._directory = Path(tempfile.mkdtemp(prefix="smtpdoctor-lab-pki-"))
            atexit.register(self.close)
        self._directory.mkdir(parents=True, exist_ok=True)
        return self._directory

    @property
    def ca_file(self) -> Path:
        """The CA certificate (PEM) a client must trust to verify ``valid`` certificates."""
        with self._lock:
            self._ensure_ca()
            assert self._ca_file is not None
            return self._ca_file

    def close(self) -> None:
        """Remove the temporary directory (only one this PKI made itself)."""
        if self._own_directory and self._directory is not None:
            shutil.rmtree(self._directory, ignore_errors=True)
            self._directory = None
            self._ca_cert = None
            self._ca_file = None
            self._issued.clear()
            self._contexts.clear()

    def _ensure_ca(self) -> x509.Certificate:
        if self._ca_cert is not None and self._ca_file is not None and self._ca_file.exists():
            return self._ca_cert
        key = _ec_key("ca")
        now = _dt.datetime.now(_dt.timezone.utc)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, self._ca_name),
                             x509.NameAttribute(NameOID.ORGANIZATION_NAME, "smtpdoctor lab")])
        ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - _DAY)
            .not_valid_after(now + 3650 * _DAY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                              data_encipherment=False, key_agreement=False, key_cert_sign=True,
                              crl_sign=True, encipher_only=False, decipher_only=False),
                critical=True,
            )
            .add_extension(ski, critical=False)
            .sign(key, hashes.SHA256())
        )
        self._ca_file = self.directory / "ca.pem"
        self._ca_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        self._ca_cert = cert
        return cert

    def issue(self, kind: CertKind | str = CertKind.VALID, names: Iterable[str] = LAB_NAMES) -> CertFiles:
        """Issue (or return the cached) certificate of ``kind`` for ``names``."""
        kind = CertKind(kind)
        wanted = tuple(dict.fromkeys(names)) or LAB_NAMES
        with self._lock:
            cached = self._issued.get((kind, wanted))
            if cached is not None and cached.cert_file.exists():
                return cached
            files = self._issue(kind, wanted)
            self._issued[(kind, wanted)] = files
            return files

    def _issue(self, kind: CertKind, names: tuple[str, ...]) -> CertFiles:
        ca_cert = self._ensure_ca()
        ca_key = _ec_key("ca")
        key = _weak_rsa_key() if kind is CertKind.WEAK_KEY else _ec_key("leaf")
        now = _dt.datetime.now(_dt.timezone.utc)
        not_before, not_after = now - _DAY, now + 90 * _DAY
        if kind is CertKind.EXPIRED:
            not_before, not_after = now - 395 * _DAY, now - 30 * _DAY
        elif kind is CertKind.NOT_YET_VALID:
            not_before, not_after = now + 30 * _DAY, now + 395 * _DAY
        elif kind is CertKind.EXPIRING_SOON:
            not_before, not_after = now - 85 * _DAY, now + 5 * _DAY
        san_names = (WRONG_NAME,) if kind is CertKind.WRONG_NAME else names
        common_name = san_names[0]
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                             x509.NameAttribute(NameOID.ORGANIZATION_NAME, f"smtpdoctor lab ({kind})")])
        self_signed = kind is CertKind.SELF_SIGNED
        issuer = subject if self_signed else ca_cert.subject
        signing_key = key if self_signed else ca_key
        builder = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(issuer)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(_san(san_names), critical=False)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(signing_key.public_key()), critical=False
            )
        )
        cert = builder.sign(signing_key, hashes.SHA256())
        stem = f"{kind}-{len(self._issued)}"
        cert_file = self.directory / f"{stem}.pem"
        key_file = self.directory / f"{stem}.key"
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(_pem_key(key))
        key_file.chmod(0o600)
        return CertFiles(kind=kind, cert_file=cert_file, key_file=key_file, names=san_names,
                         not_before=not_before, not_after=not_after, self_signed=self_signed)

    # -- contexts ----------------------------------------------------------------------------------
    def server_context(self, kind: CertKind | str = CertKind.VALID, names: Iterable[str] = LAB_NAMES) -> ssl.SSLContext:
        """A server-side context presenting a certificate of ``kind`` (cached per kind and names)."""
        kind = CertKind(kind)
        wanted = tuple(dict.fromkeys(names)) or LAB_NAMES
        files = self.issue(kind, wanted)
        with self._lock:
            ctx = self._contexts.get((kind, wanted))
            if ctx is None:
                ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
                if kind is CertKind.WEAK_KEY:
                    # OpenSSL refuses to even load a 1024-bit key at the default security level; the
                    # point of this certificate is that the *client* refuses it, so the server allows it.
                    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
                ctx.load_cert_chain(files.cert_file, files.key_file)
                self._contexts[(kind, wanted)] = ctx
            return ctx

    def client_context(self) -> ssl.SSLContext:
        """A verifying client context that trusts only the lab CA (for tests)."""
        return ssl.create_default_context(cafile=str(self.ca_file))


@functools.cache
def default_pki() -> LabPki:
    """The process-wide lab PKI (one CA per process; its files are removed at exit)."""
    return LabPki()
