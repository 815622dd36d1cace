"""The lab PKI issues the certificates the TLS checks must tell apart, as PEM files, quickly."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from smtpdoctor.lab import certs
from smtpdoctor.lab.certs import LAB_NAMES, WRONG_NAME, CertKind, LabPki, default_pki


def load(files) -> x509.Certificate:
    return x509.load_pem_x509_certificate(files.cert_file.read_bytes())


def sans(cert: x509.Certificate) -> set[str]:
    ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return {*ext.get_values_for_type(x509.DNSName), *(str(ip) for ip in ext.get_values_for_type(x509.IPAddress))}


def test_ca_file_is_a_ca_certificate(pki):
    ca = x509.load_pem_x509_certificate(pki.ca_file.read_bytes())
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert isinstance(ca.public_key(), ec.EllipticCurvePublicKey)
    assert ca.issuer == ca.subject


def test_valid_certificate_names_and_ip_sans_and_issuer(pki):
    files = pki.issue("valid", names=("mail.lab.test", "127.0.0.42", "::1"))
    cert = load(files)
    assert sans(cert) == {"mail.lab.test", "127.0.0.42", "::1"}
    ca = x509.load_pem_x509_certificate(pki.ca_file.read_bytes())
    assert cert.issuer == ca.subject and not files.self_signed
    cert.verify_directly_issued_by(ca)
    now = dt.datetime.now(dt.timezone.utc)
    assert cert.not_valid_before_utc < now < cert.not_valid_after_utc
    assert files.key_file.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert files.key_file.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize(
    ("kind", "check"),
    [
        ("expired", lambda c, now: c.not_valid_after_utc < now),
        ("not-yet-valid", lambda c, now: c.not_valid_before_utc > now),
        ("expiring-soon", lambda c, now: now + dt.timedelta(days=4) < c.not_valid_after_utc < now + dt.timedelta(days=6)),
        ("wrong-name", lambda c, now: sans(c) == {WRONG_NAME}),
        ("self-signed", lambda c, now: c.issuer == c.subject and sans(c) == set(LAB_NAMES)),
        ("weak-key", lambda c, now: isinstance(c.public_key(), rsa.RSAPublicKey) and c.public_key().key_size == 1024),
    ],
)
def test_each_kind_has_its_defect_and_only_that(pki, kind, check):
    cert = load(pki.issue(kind))
    assert check(cert, dt.datetime.now(dt.timezone.utc))


def test_certificates_are_cached_and_keys_shared_per_process(pki, tmp_path):
    assert pki.issue("valid") is pki.issue("valid")
    other = LabPki(tmp_path / "other")
    try:
        assert load(pki.issue("expired")).public_key() == load(other.issue("valid")).public_key()
        start = time.perf_counter()
        for kind in CertKind:
            other.server_context(kind)
        assert time.perf_counter() - start < 2.0  # no RSA 2048 keygen per certificate
    finally:
        other.close()


def test_server_context_verifies_with_the_client_context_only_when_valid(pki):
    server = pki.server_context("valid")
    assert server.protocol == ssl.PROTOCOL_TLS_SERVER
    client = pki.client_context()
    assert client.verify_mode == ssl.CERT_REQUIRED and client.check_hostname


def test_close_removes_the_temporary_directory():
    pki = LabPki()
    path = pki.issue("valid").cert_file
    directory = pki.directory
    assert path.exists()
    pki.close()
    assert not directory.exists()


def test_default_pki_is_one_per_process():
    assert default_pki() is default_pki()


def test_ip_names_become_ip_sans():
    ext = certs._san(["mail.lab.test", "127.0.0.1"])
    assert ext.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]


def test_exported_names():
    assert sorted(certs.__all__) == sorted(
        ["CertKind", "CertFiles", "LabPki", "LAB_HOSTNAME", "LAB_NAMES", "WRONG_NAME", "default_pki"])
