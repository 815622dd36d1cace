"""Questions sent before the event loop (net/dns_first.Primer): the facade takes them over as its own,
asked once, with the same answers, retries and failures as the questions it sends itself."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from smtpdoctor.core.names import reverse_name
from smtpdoctor.core.observations import Outcome
from smtpdoctor.lab.dns_server import LabDnsServer
from smtpdoctor.net.dns import Resolver
from smtpdoctor.net.dns_first import Primer, prime

ZONE = {
    "example.test": {"MX": ["10 mx.example.test."], "TXT": ["v=spf1 -all"]},
    "mx.example.test": {"A": ["192.0.2.25"], "AAAA": ["2001:db8::25"]},
    "www.example.test": {"CNAME": ["mx.example.test."]},
    "slow.example.test": "TIMEOUT",
}
QUESTIONS = [("example.test", "TXT"), ("example.test", "MX"), ("www.example.test", "A"), ("nope.example.test", "A"),
             ("mx.example.test", "AAAA")]


@pytest.fixture
async def server():
    async with LabDnsServer(ZONE) as srv:
        yield srv


def _answers(results):
    return [(r.outcome, r.records, r.canonical_name, r.ttl) for r in results]


async def test_primed_questions_are_asked_once_and_read_as_the_facade_reads_them(server):
    plain = await Resolver([server.address], timeout=0.5, lifetime=1).query_many(QUESTIONS)
    server.queries.clear()
    primer = prime(QUESTIONS, [server.address])
    assert primer is not None and sorted(primer.sent) == sorted(QUESTIONS)
    sent = min(when for _, _, when in primer.sent.values())
    await asyncio.sleep(0.05)  # the answers wait in the primer's socket, as they do while a command imports
    r = Resolver([server.address], timeout=0.5, lifetime=1, primer=primer)
    primed = await r.query_many([(n.upper() + ".", t) for n, t in QUESTIONS])  # the facade's own spelling
    assert _answers(primed) == _answers(plain)
    assert sorted(server.queries) == sorted(QUESTIONS)  # none asked twice
    assert r.asked == len(QUESTIONS) and len(r.log) == len(QUESTIONS)
    assert all(x.elapsed >= 0.05 for x in primed)  # counted from the primer's send
    assert primer.taken and primer.sock is None
    # a question the primer did not send is asked on the same socket, as usual
    assert (await r.query("mx.example.test", "A")).records == ("192.0.2.25",)
    assert server.queries[-1] == ("mx.example.test", "A")
    assert time.perf_counter() - sent < 5


async def test_a_primed_question_without_answer_is_retried_and_times_out_as_a_value(server):
    primer = Primer(("127.0.0.1", int(server.address.rsplit(":", 1)[1])))
    assert primer.ask("slow.example.test", "A")
    r = Resolver([server.address], timeout=0.2, lifetime=0.6, primer=primer)
    start = time.perf_counter()
    result = await asyncio.wait_for(r.query("slow.example.test", "A"), 5)
    assert result.outcome is Outcome.TIMEOUT
    assert 0.5 < time.perf_counter() - start < 3
    assert server.queries.count(("slow.example.test", "A")) >= 2  # the layer re-sent the primer's question


async def test_a_primer_to_another_server_is_closed_and_the_facade_asks_itself(server):
    other = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # a server that never answers
    other.bind(("127.0.0.1", 0))
    try:
        primer = prime([("example.test", "MX")], [f"127.0.0.1:{other.getsockname()[1]}"])
        r = Resolver([server.address], timeout=0.5, lifetime=1, primer=primer)
        result = await r.query("example.test", "MX")
        assert result.records == ("10 mx.example.test.",)
        assert primer.sock is None and not primer.taken  # closed, not taken over
    finally:
        other.close()


async def test_refused_primed_questions_fail_fast_as_refused():
    questions = [("example.test", t) for t in ("TXT", "MX", "A", "AAAA", "NS")]
    primer = prime(questions, ["127.0.0.1:1"])  # nothing listens: each send after the first hears an ICMP
    assert sorted(primer.sent) == sorted(questions)
    r = Resolver(["127.0.0.1:1"], timeout=2, lifetime=4, primer=primer)
    start = time.perf_counter()
    results = await r.query_many(questions)
    assert [x.outcome for x in results] == [Outcome.REFUSED] * len(questions)
    assert time.perf_counter() - start < 0.5  # at once, not after a retransmission timeout (1 s)


def test_what_a_primer_does_not_send():
    assert prime([("example.test", "TXT")], []) is None  # no server given: the facade finds the system's
    assert prime([], ["127.0.0.1:53"]) is None
    primer = Primer(("127.0.0.1", 9))
    try:
        assert not primer.ask("bücher.example", "TXT")  # not an ASCII name: the facade asks it
        assert not primer.ask("example.test", "HINFO")  # a type the UDP layer does not take
        assert primer.ask("example.test", "TXT") and primer.ask("EXAMPLE.test.", "txt")  # once
        assert list(primer.sent) == [("example.test", "TXT")]
        assert primer.claim(("127.0.0.1", 10)) is None
    finally:
        primer.close()
    assert primer.sock is None


@pytest.mark.parametrize("address", ["192.0.2.1", "2001:db8::1", "::ffff:192.0.2.7", "::1"])
def test_reverse_names_are_dnspythons(address):
    import dns.reversename

    assert reverse_name(address) == dns.reversename.from_address(address).to_text().rstrip(".").lower()
