"""TLSA records and their match against a certificate chain (RFC 6698, RFC 7672), over lab certificates."""

from __future__ import annotations

import hashlib

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from smtpdoctor.protocol.dane import match_tlsa, parse_tlsa, tlsa_name

SHA256 = "ab" * 32


def der(path) -> bytes:
    return x509.load_pem_x509_certificate(path.read_bytes()).public_bytes(serialization.Encoding.DER)


def test_tlsa_parse():
    assert parse_tlsa(f"3 1 1 {SHA256}").problems == ()
    assert parse_tlsa(f"1 1 1 {SHA256}").problems  # PKIX-EE is not for SMTP
    assert "32 bytes" in parse_tlsa("3 1 1 abcd").problems[0]
    assert parse_tlsa("x y z").problems == ("unreadable TLSA 'x y z'",)
    assert tlsa_name("mx.d.test") == "_25._tcp.mx.d.test"


def test_dane_ee_and_dane_ta_against_a_lab_chain(tmp_path):
    from smtpdoctor.lab.certs import LabPki

    pki = LabPki(tmp_path)
    try:
        leaf, ca = der(pki.issue("valid", ("mx.d.test",)).cert_file), der(pki.ca_file)
    finally:
        pki.close()
    ee = parse_tlsa(f"3 0 1 {hashlib.sha256(leaf).hexdigest()}")
    ta = parse_tlsa(f"2 0 1 {hashlib.sha256(ca).hexdigest()}")
    wrong = parse_tlsa(f"3 0 1 {SHA256}")
    assert match_tlsa("mx.d.test", [ee, ta, wrong], [leaf, ca]) == [
        (ee, None), (ta, None), (wrong, "does not match the server's certificate")]
    assert match_tlsa("other.d.test", [ta], [leaf, ca]) == [(ta, "the leaf certificate does not name other.d.test")]
    assert match_tlsa("mx.d.test", [ta], [leaf]) == [(ta, "matches no CA certificate the server sent")]
