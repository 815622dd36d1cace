"""Certificates made at run time: a test CA the tests trust, and server certificates in variants.

Variants (the ``tls_cert`` of the Postfix factory):

- ``"valid"``        signed by the test CA, names :data:`DEFAULT_NAMES`, valid now.
- ``"expired"``      signed by the test CA, right names, expired ten days ago.
- ``"not-yet-valid"`` signed by the test CA, right names, valid from ten days on.
- ``"wrong-name"``   signed by the test CA, valid now, only for ``wrong.invalid``.
- ``"self-signed"``  valid now, right names, signed by itself (not by the test CA).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = ["CERT_VARIANTS", "DEFAULT_NAMES", "WRONG_NAME", "ServerCert", "TestPKI"]

DEFAULT_NAMES: tuple[str, ...] = ("mx.smtpdoctor.test", "localhost", "127.0.0.1")
WRONG_NAME = "wrong.invalid"
CERT_VARIANTS = ("valid", "expired", "not-yet-valid", "wrong-name", "self-signed")


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerCert:
    variant: str
    names: tuple[str, ...]
    key_file: Path
    cert_file: Path  # leaf first, then the chain (no root)
    not_before: dt.datetime
    not_after: dt.datetime


def _san(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


class TestPKI:
    """A test CA (``ca_file`` is its PEM, for ``ssl.create_default_context(cafile=...)``)."""

    __test__ = False  # not a pytest test class

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self._ca = trustme.CA(organization_name="smtpdoctor test CA")
        self.ca_file = self.directory / "ca.pem"
        self._ca.cert_pem.write_to_path(str(self.ca_file))
        self._cache: dict[tuple[str, tuple[str, ...]], ServerCert] = {}

    def server_cert(self, variant: str = "valid", names: Sequence[str] = DEFAULT_NAMES) -> ServerCert:
        if variant not in CERT_VARIANTS:
            raise ValueError(f"unknown certificate variant {variant!r}; choose from {CERT_VARIANTS}")
        key = (variant, tuple(names))
        if key not in self._cache:
            self._cache[key] = self._make(variant, tuple(names))
        return self._cache[key]

    def _make(self, variant: str, names: tuple[str, ...]) -> ServerCert:
        now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
        day = dt.timedelta(days=1)
        not_before, not_after = now - day, now + 365 * day
        if variant == "expired":
            not_before, not_after = now - 400 * day, now - 10 * day
        elif variant == "not-yet-valid":
            not_before, not_after = now + 10 * day, now + 400 * day
        elif variant == "wrong-name":
            names = (WRONG_NAME,)
        stem = self.directory / f"{variant}-{abs(hash(names)):x}"
        key_file, cert_file = stem.with_suffix(".key"), stem.with_suffix(".crt")
        if variant == "self-signed":
            key_pem, chain_pem = _self_signed(names, not_before, not_after)
        else:
            leaf = self._ca.issue_cert(*names, not_before=not_before, not_after=not_after)
            key_pem = leaf.private_key_pem.bytes()
            chain_pem = b"".join(b.bytes() for b in leaf.cert_chain_pems)
        key_file.write_bytes(key_pem)
        key_file.chmod(0o600)
        cert_file.write_bytes(chain_pem)
        return ServerCert(variant=variant, names=names, key_file=key_file, cert_file=cert_file,
                          not_before=not_before, not_after=not_after)


def _self_signed(names: tuple[str, ...], not_before: dt.datetime, not_after: dt.datetime) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([_san(n) for n in names]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)
