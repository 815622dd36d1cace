"""The facade's UDP transport reads answers as dnspython does: same records, TTL, chain end, AD bit, outcome."""

import struct

import dns.flags
import dns.message
import dns.rrset
import pytest

from smtpdoctor.core.observations import Outcome
from smtpdoctor.lab.dns_server import LabDnsServer
from smtpdoctor.net.dns import Resolver
from smtpdoctor.net.dns_wire import NeedsDnspython, read_answer
from smtpdoctor.net.udp_mux import MalformedAnswer

ZONE = {
    "example.test": {"MX": ["10 mx.example.test.", "20 we\\(ird.example.test."],
                     "TXT": ["v=spf1 -all", ["part one ", "part \"two\""], "caf\u00e9"],
                     "NS": ["ns1.example.test."], "A": ["192.0.2.1", "192.0.2.2"],
                     "AAAA": ["2001:db8::1", "::ffff:192.0.2.9", "2001:db8:0:1:0:0:0:1"],
                     "SOA": ["ns1.example.test. hostmaster.example.test. 2026120601 7200 900 1209600 300"],
                     "DS": ["12345 13 2 " + "ab" * 32], "CAA": ['0 issue "ca.example"']},
    "mx.example.test": {"A": ["192.0.2.25"]},
    "www.example.test": {"CNAME": ["Alias.Example.test."]},
    "alias.example.test": {"CNAME": ["mx.example.test."]},
    "dangling.example.test": {"CNAME": ["nothing.example.test."]},
    "_25._tcp.mx.example.test": {"TLSA": ["3 1 1 " + "cd" * 32]},
    "1.2.0.192.in-addr.arpa": {"PTR": ["mx.example.test."]},
    "big.example.test": {"TXT": [c * 255 for c in "abcdefghijkl"]},  # > 1232 bytes: truncated over UDP
    "loop1.example.test": {"CNAME": ["loop2.example.test."]},
    "loop2.example.test": {"CNAME": ["loop1.example.test."]},
    "broken.example.test": "SERVFAIL",
    "refused.example.test": "REFUSED",
}

QUESTIONS = [(n, t) for n in ("example.test",) for t in ("MX", "TXT", "NS", "A", "AAAA", "SOA", "DS", "CAA", "PTR")] + [
    ("www.example.test", "A"), ("www.example.test", "CNAME"), ("www.example.test", "AAAA"),
    ("dangling.example.test", "A"), ("_25._tcp.mx.example.test", "TLSA"), ("1.2.0.192.in-addr.arpa", "PTR"),
    ("big.example.test", "TXT"), ("nope.example.test", "TXT"), ("sub.nope.example.test", "MX"),
    ("broken.example.test", "A"), ("refused.example.test", "TXT"), ("loop1.example.test", "A"), (".", "NS"),
]


def _same(result):
    return (result.outcome, sorted(result.records), result.ttl, result.canonical_name, result.authenticated,
            sorted(result.txt_strings), result.signatures)


async def test_udp_layer_gives_what_dnspython_gives():
    async with LabDnsServer(ZONE) as srv:
        fast = Resolver([srv.address], timeout=1, lifetime=2)
        slow = Resolver([srv.address], timeout=1, lifetime=2)
        slow._mux = False  # dnspython's resolver only
        for name, rdtype in QUESTIONS:
            a, b = await fast.query(name, rdtype), await slow.query(name, rdtype)
            assert _same(a) == _same(b), (name, rdtype)
        assert fast._mux, "the UDP layer was used"


async def test_read_by_hand_without_dnspython_for_the_common_types():
    """A, AAAA, TXT, MX, NS, PTR, SOA, CNAME chains and the root name never reach dnspython's resolver; a
    truncated answer does (over TCP), with the whole record set."""
    async with LabDnsServer(ZONE) as srv:
        r = Resolver([srv.address], timeout=1, lifetime=2)
        await r.query("example.test", "A")  # opens the layer
        handed: list[tuple[str, str, bool]] = []
        dnspython = r._mux.fallback

        class Recording:
            async def query(self, name, rdtype, *, tcp=False):
                handed.append((name, rdtype, tcp))
                return await dnspython.query(name, rdtype, tcp=tcp)

        r._mux.fallback = Recording()
        common = [("example.test", t) for t in ("MX", "TXT", "NS", "AAAA", "SOA")] + [
            ("www.example.test", "A"), ("1.2.0.192.in-addr.arpa", "PTR"), (".", "NS"), ("nope.example.test", "A")]
        results = await r.query_many(common)
        assert handed == []
        assert results[5].records == ("192.0.2.25",) and results[5].canonical_name == "mx.example.test"
        assert results[7].outcome is Outcome.NXDOMAIN and results[8].outcome is Outcome.NXDOMAIN
        big = await r.query("big.example.test", "TXT")
        assert handed == [("big.example.test", "TXT", True)]
        assert big.outcome is Outcome.OK and len(big.records) == 12


def _response(*rrsets, flags=0, rcode=0, name="a.test", rdtype="A") -> bytes:
    q = dns.message.make_query(name, rdtype)
    r = dns.message.make_response(q)
    r.flags |= flags
    r.set_rcode(rcode)
    for rrset in rrsets:
        r.answer.append(rrset)
    return r.to_wire()


def test_ad_bit_chain_and_smallest_ttl():
    wire = _response(dns.rrset.from_text("a.test.", 60, "IN", "CNAME", "B.test."),
                     dns.rrset.from_text("b.test.", 300, "IN", "A", "192.0.2.1"),
                     dns.rrset.from_text("b.test.", 100, "IN", "A", "192.0.2.2"), flags=dns.flags.AD)
    answer = read_answer(wire, (b"a", b"test"), 1)
    assert answer.authenticated and answer.canonical == "b.test"
    assert answer.records == ("192.0.2.1", "192.0.2.2") and answer.ttl == 100


def test_aaaa_text_is_dnspythons():
    # read with the C library's inet_ntop, not dnspython: the same RFC 5952 text, zero runs and mapped forms included
    import random

    rng = random.Random(16)
    addresses = ["::", "::1", "1::", "2001:db8::", "2001:db8:0:1::1", "2001:0:0:1:0:0:0:1", "::ffff:192.0.2.9",
                 "::192.0.2.9", "fe80::1:0:0:0", "1:0:1:0:1:0:1:0"]
    for _ in range(300):
        groups = [rng.choice([0, 0, 1, 0xFFFF, rng.getrandbits(16)]) for _ in range(8)]
        addresses.append(":".join(f"{g:x}" for g in groups))
    for address in addresses:
        rr = dns.rrset.from_text("a.test.", 60, "IN", "AAAA", address)
        wire = _response(rr, rdtype="AAAA")
        assert read_answer(wire, (b"a", b"test"), 28).records == (rr[0].to_text(),), address


def test_duplicate_records_are_one_as_in_an_rdataset():
    rr = dns.rrset.from_text("a.test.", 60, "IN", "A", "192.0.2.1")
    wire = bytearray(_response(rr, rr))
    struct.pack_into("!H", wire, 6, 2)  # dnspython merged them: put the second copy back on the wire
    wire += wire[-16:]
    assert read_answer(bytes(wire), (b"a", b"test"), 1).records == ("192.0.2.1",)


def test_signatures_and_unread_types_go_to_dnspython():
    sig = dns.rrset.from_text("a.test.", 60, "IN", "RRSIG",
                              "A 13 2 60 20270101000000 20260101000000 12345 test. " + "AAAA" * 16)
    with pytest.raises(NeedsDnspython):
        read_answer(_response(dns.rrset.from_text("a.test.", 60, "IN", "A", "192.0.2.1"), sig), (b"a", b"test"), 1)
    tlsa = dns.rrset.from_text("a.test.", 60, "IN", "TLSA", "3 1 1 " + "cd" * 32)
    with pytest.raises(NeedsDnspython):
        read_answer(_response(tlsa, rdtype="TLSA"), (b"a", b"test"), 52)


def test_malformed_answers_are_told():
    wire = bytearray(_response(dns.rrset.from_text("a.test.", 60, "IN", "CNAME", "b.test.")))
    with pytest.raises(MalformedAnswer, match="another question"):
        read_answer(bytes(wire), (b"b", b"test"), 1)
    looped = bytes(wire[:-2]) + struct.pack("!H", 0xC000 | (len(wire) - 2))  # a pointer to itself
    with pytest.raises(MalformedAnswer):
        read_answer(looped, (b"a", b"test"), 1)
    with pytest.raises(MalformedAnswer):
        read_answer(bytes(wire[:-3]), (b"a", b"test"), 1)


def test_query_ids_are_drawn_safely_from_several_threads():
    """Several threads (a Dask worker's) draw ids at once: none fails, each is a 16-bit number."""
    import sys
    import threading

    from smtpdoctor.net.dns_wire import random_id

    errors: list[BaseException] = []
    seen: list[set] = []

    def draw() -> None:
        ids = set()
        try:
            for _ in range(50_000):
                ids.add(random_id())
        except BaseException as exc:  # noqa: BLE001 - what the test looks for
            errors.append(exc)
        seen.append(ids)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    try:
        threads = [threading.Thread(target=draw) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert all(0 <= i < 65536 for ids in seen for i in ids) and all(len(ids) > 30_000 for ids in seen)  # unpredictable, so spread: ~35,000 of 50,000 distinct
