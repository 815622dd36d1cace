"""Verifying a sample message's DKIM signature with dkimpy, its DNS lookups served by our resolver."""

from __future__ import annotations

import pytest

from smtpdoctor.core.model import Severity
from smtpdoctor.flows.domain import audit_domain
from smtpdoctor.judge.dns.dkim_verify import signature_findings
from smtpdoctor.protocol.dkim import SignatureCheck, SignatureRef

from support.dkim_signing import MESSAGE, new_key, sign
from support.dns_zones import good_zone, lab_resolver


@pytest.fixture(scope="module")
def signer():
    return new_key()


def zone_with_key(pub: str) -> dict:
    zone = good_zone(dkim_key=pub)
    zone["mail2024._domainkey.good.test"] = {"TXT": [f"v=DKIM1; k=rsa; p={pub}"]}
    return zone


def ids(audit):
    return [f.id for f in audit.findings]


def check(d: str, ok: bool, index: int = 0) -> SignatureCheck:
    return SignatureCheck(ref=SignatureRef(index=index, d=d, s="s1"), ok=ok, reason="" if ok else "body hash mismatch")


def test_findings_from_verified_values():
    assert [f.id for f in signature_findings((), domain="good.test", source="m.eml")] == ["dkim.no-signature"]
    both = signature_findings((check("good.test", True), check("mail.good.test", False, 1)), domain="good.test")
    assert [f.id for f in both] == ["dkim.signature-valid", "dkim.signature-invalid"]
    assert both[1].severity is Severity.WARNING  # an aligned valid signature makes the failing one a warning
    alone = signature_findings((check("good.test", False),), domain="good.test")
    assert alone[0].severity is Severity.ERROR and "body hash mismatch" in alone[0].title
    other = signature_findings((check("esp.example", True),), domain="good.test")
    assert [f.id for f in other] == ["dkim.signature-valid", "dkim.signature-unaligned"]


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
