"""Verifying a sample message's DKIM signature with dkimpy, its DNS lookups served by our resolver."""

from __future__ import annotations

import base64

import pytest

from smtpdoctor.flows.domain import audit_domain
from smtpdoctor.judge.dns.dkim_verify import signature_refs

from support.dns_zones import good_zone, lab_resolver

MESSAGE = (b"From: Alice <alice@good.test>\r\nTo: bob@example.org\r\nSubject: hello\r\n"
           b"Date: Mon, 01 Jan 2024 00:00:00 +0000\r\nMessage-ID: <1@good.test>\r\n\r\nHello Bob.\r\n")


@pytest.fixture(scope="module")
def signer():
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    pub = key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return pem, base64.b64encode(pub).decode()


def sign(message: bytes, pem: bytes, domain: bytes = b"good.test", selector: bytes = b"mail2024") -> bytes:
    import dkim

    return dkim.sign(message, selector, domain, pem, include_headers=[b"from", b"to", b"subject", b"date"]) + message


def zone_with_key(pub: str) -> dict:
    zone = good_zone(dkim_key=pub)
    zone["mail2024._domainkey.good.test"] = {"TXT": [f"v=DKIM1; k=rsa; p={pub}"]}
    return zone


def ids(audit):
    return [f.id for f in audit.findings]


def test_signature_refs(signer):
    refs = signature_refs(sign(MESSAGE, signer[0]))
    assert [(r.d, r.s) for r in refs] == [("good.test", "mail2024")]


async def test_valid_signature_through_our_resolver(signer):
    pem, pub = signer
    async with lab_resolver(zone_with_key(pub)) as (r, srv):
        audit = await audit_domain(r, "good.test", eml=sign(MESSAGE, pem), eml_source="m.eml")
    assert "dkim.signature-valid" in ids(audit)
    assert ("mail2024._domainkey.good.test", "TXT") in srv.queries  # dkimpy asked nothing itself
    rows = {row.key: row.status for row in audit.checklist}
    assert rows["alignment"] == "pass"
    # The message's selector is checked as a given selector too.
    assert any(k["selector"] == "mail2024" for k in audit.to_json()["dkim"]["keys"])


async def test_tampered_message_fails(signer):
    pem, pub = signer
    tampered = sign(MESSAGE, pem).replace(b"Hello Bob.", b"Hello Eve.")
    async with lab_resolver(zone_with_key(pub)) as (r, _):
        audit = await audit_domain(r, "good.test", eml=tampered)
    bad = audit.finding("dkim.signature-invalid")
    assert bad is not None and str(bad.severity) == "error" and "body hash" in bad.title
    assert {row.key: row.status for row in audit.checklist}["alignment"] == "fail"


async def test_key_missing_and_other_domain(signer):
    pem, pub = signer
    async with lab_resolver(good_zone(dkim_key=pub)) as (r, _):
        audit = await audit_domain(r, "good.test", eml=sign(MESSAGE, pem))
    assert "dkim.signature-invalid" in ids(audit) and "dkim.selector-missing" in ids(audit)
    zone = {**good_zone(dkim_key=pub), "s._domainkey.esp.example": {"TXT": [f"v=DKIM1; p={pub}"]}}
    async with lab_resolver(zone) as (r, _):
        audit = await audit_domain(r, "good.test", eml=sign(MESSAGE, pem, b"esp.example", b"s"))
    assert "dkim.signature-valid" in ids(audit) and "dkim.signature-unaligned" in ids(audit)


async def test_unsigned_message():
    async with lab_resolver(good_zone()) as (r, _):
        audit = await audit_domain(r, "good.test", eml=MESSAGE, eml_source="plain.eml")
    assert audit.finding("dkim.no-signature").evidence["file"] == "plain.eml"
