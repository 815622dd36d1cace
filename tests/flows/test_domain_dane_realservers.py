"""DANE (RFC 7672) against real servers: TLSA records in a signed Knot zone checked against the
certificate chain a real Postfix presents on port 25 after STARTTLS -- 3 1 1, 2 1 1, a wrong record, a
rollover with two records -- and a TLSA set in an unsigned zone named useless."""

from __future__ import annotations

import hashlib

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from smtpdoctor.flows.domain import audit_domain
from smtpdoctor.net.dns import Resolver

HOSTS = ("mx-ee.dane.test", "mx-ta.dane.test", "mx-wrong.dane.test", "mx-roll.dane.test", "mx.plain.test")


def _spki_sha256(pem: bytes) -> str:
    cert = x509.load_pem_x509_certificate(pem)
    spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return hashlib.sha256(spki).hexdigest()


@pytest.fixture(scope="module")
def mx_cert(realserver_pki):
    return realserver_pki.issue("valid", HOSTS)


@pytest.fixture(scope="module")
def postfix(postfix_factory, mx_cert, realserver_pki):
    # The chain Postfix sends holds the CA too, as RFC 7672 wants for DANE-TA (2 1 1)
    chain = f"{mx_cert.key_file}, {mx_cert.cert_file}, {realserver_pki.ca_file}"
    return postfix_factory(resolver=None, sasl=False, main_cf={"smtpd_tls_chain_files": chain})


@pytest.fixture(scope="module")
def knot(knot_factory, mx_cert, realserver_pki):
    leaf = _spki_sha256(mx_cert.cert_file.read_bytes())
    ca = _spki_sha256(realserver_pki.ca_file.read_bytes())
    wrong = "00" * 32
    records = {h: {"A": ["127.0.0.1"]} for h in HOSTS}
    tlsa = {"mx-ee.dane.test": [f"3 1 1 {leaf}"], "mx-ta.dane.test": [f"2 1 1 {ca}"],
            "mx-wrong.dane.test": [f"3 1 1 {wrong}"], "mx-roll.dane.test": [f"3 1 1 {wrong}", f"3 1 1 {leaf}"],
            "mx.plain.test": [f"3 1 1 {leaf}"]}
    for host, values in tlsa.items():
        records[f"_25._tcp.{host}"] = {"TLSA": values}
    for name in ("ee", "ta", "wrong", "roll"):
        records[f"{name}.dane.test"] = {"MX": [f"10 mx-{name}.dane.test."]}
    records["plain.test"] = {"MX": ["10 mx.plain.test."]}
    return knot_factory(records, zones=["test", "dane.test", "plain.test"], signed=[".", "test", "dane.test"])


async def audit(knot, postfix, domain):
    return await audit_domain(Resolver([knot.address], timeout=2, lifetime=4), domain,
                              trust_anchors=knot.trust_anchor["."], mx_port=postfix.plain_port)


async def test_dane_ee_record_matches_the_real_certificate(knot, postfix):
    result = await audit(knot, postfix, "ee.dane.test")
    match = result.finding("dane.cert-match")
    assert match is not None and match.evidence["records"] == [
        {"tlsa": match.evidence["records"][0]["tlsa"], "problem": None}]
    assert match.evidence["matched"] == 1 and "dane.ok" in result.ids()
    assert result.to_json()["dane"]["certificates"]["mx-ee.dane.test"]["certificates"] == 2  # leaf + CA


async def test_dane_ta_record_matches_the_ca_the_server_sends(knot, postfix):
    result = await audit(knot, postfix, "ta.dane.test")
    assert result.finding("dane.cert-match") is not None
    assert result.finding("dane.cert-mismatch") is None


async def test_wrong_record_is_an_error(knot, postfix):
    result = await audit(knot, postfix, "wrong.dane.test")
    mismatch = result.finding("dane.cert-mismatch")
    assert mismatch is not None and str(mismatch.severity) == "error"
    assert mismatch.evidence["records"][0]["problem"] == "does not match the server's certificate"
    assert "dane.ok" not in result.ids()


async def test_rollover_with_two_records_passes(knot, postfix):
    result = await audit(knot, postfix, "roll.dane.test")
    match = result.finding("dane.cert-match")
    assert match is not None and (match.evidence["matched"], match.evidence["total"]) == (1, 2)


async def test_tlsa_in_an_unsigned_zone_is_useless(knot, postfix):
    result = await audit(knot, postfix, "plain.test")
    useless = result.finding("dane.unsigned-zone")
    assert useless is not None and useless.evidence["host"] == "mx.plain.test"
    assert "dane.ok" not in result.ids() and result.finding("dane.cert-match") is None
