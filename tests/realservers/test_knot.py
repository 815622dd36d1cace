"""The Knot fixture: zone text generation, answers, the root zone, DNSSEC signing and chains."""

from __future__ import annotations

import dns.asyncquery
import dns.dnssec
import dns.message
import dns.name
import dns.query
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest

from .knot import assign_zones, zone_text
from smtpdoctor.lab.dns_server import LabDnsServer

from .labzone import LAB_DOMAIN, LAB_RECORDS, RBL_ZONE


def _rrset(msg, rtype: str):
    return next((r for r in msg.answer if r.rdtype == dns.rdatatype.from_text(rtype)), None)


def test_zone_text_quotes_and_splits_txt_and_adds_soa_ns():
    long_txt = "v=spf1 " + "include:x.example " * 20 + "-all"
    text = zone_text("example.test", {"example.test": {"TXT": [long_txt, 'say "hi"']},
                                      "mx.example.test": {"A": ["127.0.0.1"]}})
    lines = text.splitlines()
    assert lines[0] == "$ORIGIN ." and " IN SOA ns.example.test. hostmaster.example.test. " in lines[2]
    assert "example.test. 300 IN NS ns.example.test." in lines
    assert "mx.example.test. 300 IN A 127.0.0.1" in lines
    txt = [line for line in lines if " TXT " in line]
    assert txt[0].count('" "') == 1  # 362 bytes: two character-strings
    assert txt[1].endswith('"say \\"hi\\""')


def test_assign_zones_puts_names_in_the_most_specific_zone():
    zones = assign_zones({"a.b.example.test": {"A": ["127.0.0.1"]}, "example.test": {"MX": ["0 ."]}},
                         ["example.test", "b.example.test", "."])
    assert set(zones["b.example.test."]) == {"a.b.example.test."}
    assert set(zones["example.test."]) == {"example.test."}
    with pytest.raises(ValueError):
        assign_zones({"x.other": {"A": ["127.0.0.1"]}}, ["example.test"])
    with pytest.raises(ValueError):
        assign_zones({"x.example.test": "TIMEOUT"}, ["example.test"])  # lab-only fault


def test_knot_answers_the_lab_zone(knot):
    mx = _rrset(knot.query(LAB_DOMAIN, "MX"), "MX")
    assert [r.to_text() for r in mx] == ["10 mx.smtpdoctor.test."]
    listed = knot.query(f"2.0.0.127.{RBL_ZONE}", "A")
    assert [r.to_text() for r in _rrset(listed, "A")] == ["127.0.0.2"]
    assert knot.query(f"1.0.0.127.{RBL_ZONE}", "A").rcode() == dns.rcode.NXDOMAIN
    ptr = _rrset(knot.query("3.0.0.127.in-addr.arpa", "PTR"), "PTR")
    assert ptr[0].to_text() == "client3.smtpdoctor.test."


def test_root_zone_makes_unknown_names_nxdomain(knot):
    r = knot.query("no-such-name.example", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN and "." in knot.zones


def test_knot_answers_over_tcp_and_on_its_port53_address(knot):
    assert _rrset(knot.query(LAB_DOMAIN, "TXT", tcp=True), "TXT") is not None
    if knot.resolver_ip is None:
        pytest.skip("port 53 needs root")
    r = dns.query.udp(dns.message.make_query(LAB_DOMAIN, "MX"), knot.resolver_ip, port=53, timeout=2)
    assert _rrset(r, "MX") is not None


@pytest.fixture(scope="module")
def signed_knot(knot_factory):
    return knot_factory({"signed.test": {"A": ["127.0.0.9"]},
                         "child.signed.test": {"TXT": ["child"]},
                         "broken.signed.test": {"TXT": ["broken"]},
                         "island.test": {"A": ["127.0.0.10"]}},
                        zones=["signed.test", "child.signed.test", "broken.signed.test", "island.test"],
                        signed=[".", "signed.test", "child.signed.test", "broken.signed.test"],
                        broken_ds=["broken.signed.test"])


def _validate(srv, name: str, rtype: str, zone: str) -> None:
    """Raise dns.dnssec.ValidationFailure unless ``name``/``rtype`` is signed by ``zone``'s DNSKEY."""
    ans = srv.query(name, rtype, dnssec=True)
    rrset = _rrset(ans, rtype)
    rrsig = next(r for r in ans.answer if r.rdtype == dns.rdatatype.RRSIG and r.covers == rrset.rdtype)
    keys = _rrset(srv.query(zone, "DNSKEY", dnssec=True), "DNSKEY")
    dns.dnssec.validate(rrset, rrsig, {dns.name.from_text(zone): keys})


def test_signed_zone_answers_with_valid_rrsigs(signed_knot):
    _validate(signed_knot, "signed.test", "A", "signed.test")
    _validate(signed_knot, "child.signed.test", "TXT", "child.signed.test")


def test_ds_in_parent_matches_child_key_except_when_broken(signed_knot):
    def ds_matches(child: str) -> bool:
        keys = _rrset(signed_knot.query(child, "DNSKEY", dnssec=True), "DNSKEY")
        ds = _rrset(signed_knot.query(child, "DS", dnssec=True), "DS")
        name = dns.name.from_text(child)
        made = {dns.dnssec.make_ds(name, k, d.digest_type).to_text() for k in keys for d in ds}
        return any(d.to_text() in made for d in ds)

    assert ds_matches("signed.test") and ds_matches("child.signed.test")
    assert not ds_matches("broken.signed.test")
    _validate(signed_knot, "signed.test", "DS", ".")  # the DS itself is signed by the root


def test_trust_anchor_is_the_root_key(signed_knot):
    assert set(signed_knot.trust_anchor) == {"."}
    keys = _rrset(signed_knot.query(".", "DNSKEY", dnssec=True), "DNSKEY")
    anchors = {dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DS, t).to_text()
               for t in signed_knot.trust_anchor["."]}
    assert any(dns.dnssec.make_ds(dns.name.root, k, "SHA256").to_text() in anchors for k in keys)


def test_unsigned_zone_under_signed_root_is_an_insecure_delegation(signed_knot):
    r = signed_knot.query("island.test", "DS", dnssec=True)
    assert _rrset(r, "DS") is None  # NODATA with NSEC proof from the root
    assert any(rr.rdtype == dns.rdatatype.NSEC for rr in r.authority)


def test_set_records_reloads_the_zone(knot_factory):
    srv = knot_factory({"reload.test": {"A": ["127.0.0.1"]}}, root=False, port53=False)
    srv.set_records("reload.test", {"reload.test": {"A": ["127.0.0.7"]}})
    assert [r.to_text() for r in _rrset(srv.query("reload.test", "A"), "A")] == ["127.0.0.7"]
    assert srv.query("x.other", "A").rcode() == dns.rcode.REFUSED  # not authoritative without root


def test_startup_is_quick(knot, signed_knot):
    assert knot.startup_s < 3.0 and signed_knot.startup_s < 5.0


async def test_lab_dns_and_knot_share_one_record_format(knot):
    async with LabDnsServer(LAB_RECORDS) as srv:
        host, port = srv.address.rsplit(":", 1)
        lab = await dns.asyncquery.udp(dns.message.make_query("smtpdoctor.test", "TXT"), host,
                                       port=int(port), timeout=2)
    real = knot.query("smtpdoctor.test", "TXT")
    assert [r.to_text() for r in lab.answer[0]] == [r.to_text() for r in real.answer[0]]
