"""The audit against a real Knot DNS (tests/realservers): generated zones, DNSSEC-signed ones included.
Skipped on a machine without Knot (required in CI), like every real-server test."""

from __future__ import annotations

import pytest

from smtpdoctor.net.dns import Resolver
from smtpdoctor.flows.domain import audit_domain

from support.dns_zones import good_zone

IP = "192.0.2.25"


def ids(audit):
    return [f.id for f in audit.findings]


@pytest.fixture(scope="module")
def zone(rsa2048):
    records = good_zone("good.test", dkim_key=rsa2048)
    records.update({"island.test": {"MX": ["10 mx1.good.test."], "TXT": ["v=spf1 -all"]},
                    "_dmarc.island.test": {"TXT": ["v=DMARC1; p=reject; rua=mailto:d@island.test"]},
                    "broken.test": {"MX": ["10 mx1.good.test."], "TXT": ["v=spf1 -all"]},
                    "plain.test": {"MX": ["10 mx1.good.test."]},
                    "_25._tcp.mx1.good.test": {"TLSA": ["3 1 1 " + "ab" * 32]}})
    return records


@pytest.fixture(scope="module")
def knot(knot_factory, zone):
    return knot_factory(zone, zones=["test", "good.test", "island.test", "broken.test", "plain.test",
                                     "in-addr.arpa"],
                        signed=[".", "test", "good.test", "island.test", "broken.test"],
                        broken_ds=["broken.test"])


def resolver(knot) -> Resolver:
    return Resolver([knot.address], timeout=2, lifetime=4)


async def test_well_configured_signed_domain(knot):
    audit = await audit_domain(resolver(knot), "good.test", ip=IP)
    assert [f.id for f in audit.findings if str(f.severity) == "error"] == []
    for fid in ("mx.ok", "ptr.ok", "dkim.key-ok", "dmarc.ok", "tlsrpt.ok"):
        assert fid in ids(audit)
    # Signed from the root down, DS everywhere; Knot is authoritative (no AD bit): signed, not validated.
    assert "dnssec.signed-not-validated" in ids(audit)
    chain = audit.to_json()["dnssec"]["chain"]
    assert chain == [{"name": "test", "dnskey": True, "ds": True}, {"name": "good.test", "dnskey": True, "ds": True}]
    assert "dane.ok" in ids(audit) or "dane.partial" in ids(audit)


async def test_unsigned_domain_under_a_signed_tld(knot):
    plain = await audit_domain(resolver(knot), "plain.test")
    assert "dnssec.unsigned" in ids(plain)
    assert plain.finding("dnssec.unsigned").evidence["last_secure"] == "test"


async def test_signed_zone_under_an_unsigned_parent_is_an_island(knot_factory, zone):
    island = knot_factory({k: v for k, v in zone.items() if k.endswith("island.test")},
                          zones=["test", "island.test"], signed=["island.test"])
    audit = await audit_domain(resolver(island), "island.test")
    assert island.query("island.test", "DNSKEY").answer  # signed ...
    assert audit.finding("dnssec.no-ds").evidence == {"name": "island.test", "parent": "test"}  # ... no DS


async def test_ds_matching_no_key_is_where_the_chain_breaks(knot):
    audit = await audit_domain(resolver(knot), "broken.test")
    broken = audit.finding("dnssec.ds-mismatch")
    assert broken is not None and broken.evidence == {"name": "broken.test", "parent": "test"}


async def test_missing_records_on_a_real_server(knot):
    audit = await audit_domain(resolver(knot), "plain.test", ip="192.0.2.99")
    found = ids(audit)
    assert "dmarc.missing" in found and "ptr.missing" in found
    assert "dkim.none-published" in found  # Knot answers NXDOMAIN for _domainkey.plain.test (RFC 8020)
