"""DNSSEC validated by the tool itself against a real Knot DNS: the chain from the (test) root's key down
to the domain's MX, a real expired RRSIG, a DS that matches no key, an unsigned delegation, and a
resolver that strips the signatures (the lab DNS server serving the same records without RRSIG)."""

from __future__ import annotations

import time

import dns.rdatatype
import pytest

from smtpdoctor.flows.domain import audit_domain
from smtpdoctor.lab.dns_server import LabDnsServer
from smtpdoctor.net.dns import Resolver

DAY = 86400
MX = {"MX": ["10 mx.good.test."]}


@pytest.fixture(scope="module")
def knot(knot_factory):
    now = time.time()
    records = {"good.test": MX, "mx.good.test": {"A": ["127.0.0.1"]}, "expired.test": MX,
               "broken.test": MX, "plain.test": MX, "future.test": MX}
    return knot_factory(records, zones=["test", "good.test", "expired.test", "broken.test", "plain.test",
                                        "future.test"],
                        signed=[".", "test", "good.test", "broken.test"], broken_ds=["broken.test"],
                        presigned={"expired.test": (now - 10 * DAY, now - DAY),
                                   "future.test": (now + DAY, now + 10 * DAY)})


async def audit(knot, name):
    return await audit_domain(Resolver([knot.address], timeout=2, lifetime=4), name,
                              trust_anchors=knot.trust_anchor["."])


async def test_signed_domain_is_validated_by_the_tool_from_the_root_key(knot):
    result = await audit(knot, "good.test")
    validated = result.finding("dnssec.validated")
    assert validated is not None and validated.evidence["method"] == "chain"
    assert "checked by smtpdoctor" in validated.title
    assert result.to_json()["dnssec"]["validation"] == {
        "method": "chain", "status": "secure", "zone": "good.test", "broken": None,
        "checked": ["DNSKEY .", "DS test", "DNSKEY test", "DS good.test", "DNSKEY good.test", "MX good.test"]}


async def test_expired_rrsig_is_an_error_naming_the_link(knot):
    served = knot.query("expired.test", "DNSKEY", dnssec=True)
    sig = next(r for r in served.answer if r.rdtype == dns.rdatatype.RRSIG)[0]
    assert sig.expiration < time.time()  # Knot really serves an expired signature
    result = await audit(knot, "expired.test")
    bogus = result.finding("dnssec.bogus")
    assert bogus is not None and str(bogus.severity) == "error"
    assert bogus.evidence["broken"]["name"] == "expired.test" and bogus.evidence["broken"]["type"] == "DNSKEY"
    assert bogus.evidence["broken"]["reason"].startswith("the RRSIG expired on ")
    assert bogus.evidence["checked"] == ["DNSKEY .", "DS test", "DNSKEY test", "DS expired.test"]
    assert result.finding("dnssec.validated") is None


async def test_signature_not_valid_yet_is_bogus_too(knot):
    bogus = (await audit(knot, "future.test")).finding("dnssec.bogus")
    assert bogus.evidence["broken"]["reason"].startswith("the RRSIG is valid only from ")


async def test_ds_matching_no_key_breaks_the_chain_at_that_zone(knot):
    result = await audit(knot, "broken.test")
    assert result.finding("dnssec.ds-mismatch").evidence == {"name": "broken.test", "parent": "test"}
    assert result.to_json()["dnssec"]["validation"]["broken"] == {
        "name": "broken.test", "type": "DS", "reason": "the DS in the parent matches none of the zone's DNSKEYs"}


async def test_unsigned_delegation_is_insecure_not_bogus(knot):
    result = await audit(knot, "plain.test")
    assert "dnssec.unsigned" in result.ids() and result.finding("dnssec.bogus") is None
    assert result.to_json()["dnssec"]["validation"]["status"] == "insecure"


async def test_without_the_test_root_as_anchor_only_the_ad_bit_could_count(knot):
    result = await audit_domain(Resolver([knot.address], timeout=2, lifetime=4), "good.test")
    assert result.to_json()["dnssec"]["validation"]["status"] == "no-anchor"  # Knot's root is not IANA's
    assert "dnssec.signed-not-validated" in result.ids()


def _unsigned_copy(knot, names_types):
    """The same records as Knot serves them, without any RRSIG: what a stripping resolver returns."""
    out: dict = {}
    for name, rtype in names_types:
        answer = knot.query(name, rtype)
        for rrset in answer.answer:
            if rrset.rdtype != dns.rdatatype.RRSIG:
                out.setdefault(name, {}).setdefault(rtype, []).extend(r.to_text() for r in rrset)
    return out


async def test_resolver_stripping_dnssec_data_means_could_not_test(knot):
    zone = _unsigned_copy(knot, [(".", "DNSKEY"), ("test", "DNSKEY"), ("test", "SOA"), ("good.test", "DS"),
                                 ("good.test", "DNSKEY"), ("good.test", "SOA"), ("good.test", "MX")])
    async with LabDnsServer(zone) as lab:
        result = await audit_domain(Resolver([lab.address], timeout=2, lifetime=4), "good.test",
                                    trust_anchors=knot.trust_anchor["."])
    stripped = result.finding("dnssec.stripped")
    assert stripped is not None and str(stripped.severity) == "warning"
    assert "without RRSIG" in stripped.title
    assert result.finding("dnssec.bogus") is None and result.finding("dnssec.validated") is None
