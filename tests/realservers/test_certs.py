"""The run-time certificates (no server needed)."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509

from .certs import CERT_VARIANTS, DEFAULT_NAMES, WRONG_NAME, TestPKI


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return TestPKI(tmp_path_factory.mktemp("pki"))


def _load(cert):
    return x509.load_pem_x509_certificates(cert.cert_file.read_bytes())


@pytest.mark.parametrize("variant", CERT_VARIANTS)
def test_variant_properties(pki, variant):
    cert = pki.server_cert(variant)
    leaf = _load(cert)[0]
    now = dt.datetime.now(dt.timezone.utc)
    names = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    dns_names = names.get_values_for_type(x509.DNSName)
    ca = x509.load_pem_x509_certificate(pki.ca_file.read_bytes())
    assert (leaf.not_valid_after_utc < now) == (variant == "expired")
    assert (leaf.not_valid_before_utc > now) == (variant == "not-yet-valid")
    assert (dns_names == [WRONG_NAME]) == (variant == "wrong-name")
    assert (leaf.issuer == ca.subject) == (variant != "self-signed")
    if variant != "wrong-name":
        assert set(DEFAULT_NAMES) - {"127.0.0.1"} <= set(dns_names)


def test_certificates_are_cached_per_variant(pki):
    assert pki.server_cert("valid") is pki.server_cert("valid")
    with pytest.raises(ValueError):
        pki.server_cert("revoked")
