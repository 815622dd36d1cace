"""flows/domain_next: the audit's second round, asked by the primer's reader from the first answers before the
event loop runs (issue 16). It asks only questions the audit asks (none wasted, none the audit would not ask),
an audit that finds them asked (and their answers read) reports what an unprimed one reports, and every
question is sent once."""

from __future__ import annotations

import asyncio

import pytest

from smtpdoctor.flows.domain import audit_domain
from smtpdoctor.flows.domain_first import questions_of
from smtpdoctor.flows.domain_next import NextRound
from smtpdoctor.net.dns import Resolver
from smtpdoctor.net.dns_first import prime

from support.dns_zones import lab_resolver

from .test_domain_first import IP, _report, _zone

SPF_RECORDS = ["v=spf1 include:_spf.esp.test mx -all",
               # a and a:, exists with a macro of the sending IP, a redirect (no all): what the tree asks for each
               "v=spf1 a a:mail.good.test exists:%{i}._ip.good.test ptr redirect=_spf.esp.test"]


async def _followed(primer, wanted: set, *, most: float = 3.0) -> None:
    """Wait (on the loop, which serves the lab) until the reader has sent ``wanted``, or ``most`` seconds."""
    for _ in range(int(most / 0.01)):
        if wanted <= set(primer.sent):
            return
        await asyncio.sleep(0.01)


@pytest.mark.parametrize("record", SPF_RECORDS)
@pytest.mark.parametrize("ip", [None, IP])
async def test_the_second_round_is_the_audits_and_changes_no_report(rsa2048, record, ip):
    zone = _zone(rsa2048)
    zone["good.test"]["TXT"] = [record]
    async with lab_resolver(zone, delay=0.02) as (r, srv):
        plain = await audit_domain(r, "Good.Test", ip=ip)
        asked, plain_queries = {(e.name, e.rdtype) for e in r.log}, sorted(srv.queries)
        srv.queries.clear()
        primer = prime(questions_of(["Good.Test"], ip=ip), [srv.address])
        first = set(primer.sent)
        primer.follow(NextRound(["Good.Test"], ip=ip))
        hosts = plain.data["mx"]["hosts"]
        wanted = {("_spf.esp.test", "TXT"), ("_netblocks.esp.test", "TXT"), ("_dmarc.reports.test", "TXT"),
                  ("good.test._report._dmarc.reports.test", "TXT"),  # the destination's authorisation (third round)
                  *((h, t) for h in hosts for t in ("A", "AAAA")), *((f"_25._tcp.{h}", "TLSA") for h in hosts)}
        if record != SPF_RECORDS[0]:
            wanted |= {("good.test", "A"), ("mail.good.test", "A")}
            if ip is None:
                wanted |= {("good.test", "AAAA"), ("mail.good.test", "AAAA")}
            else:
                wanted.add(("192.0.2.25._ip.good.test", "A"))  # %{i}: the address as written
        await _followed(primer, wanted)
        followed = set(primer.sent) - first
        assert wanted <= followed, wanted - followed  # the second round, and _netblocks' third, went early
        assert followed <= asked, followed - asked  # each one the audit asks
        assert primer.read  # the answers read meanwhile, handed to the UDP layer
        resolver = Resolver([srv.address], timeout=0.5, lifetime=1, primer=primer)
        primed = await audit_domain(resolver, "Good.Test", ip=ip)
    assert primer.taken
    assert _report(primed) == _report(plain)
    assert sorted(srv.queries) == plain_queries  # the same questions, each once


async def test_a_refusal_read_by_the_reader_still_fails_the_audit_fast():
    """Nothing listens on the server: the reader's read gets the ICMP refusal, and the UDP layer reports it
    for every question at once (as when it reads the refusal itself), instead of each timing out."""
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.bind(("127.0.0.1", 0))
        address = "%s:%d" % probe.getsockname()
    primer = prime(questions_of(["good.test"]), [address])
    primer.follow(NextRound(["good.test"]))
    for _ in range(300):
        if primer.failed is not None:
            break
        await asyncio.sleep(0.01)
    assert isinstance(primer.failed, ConnectionRefusedError)
    resolver = Resolver([address], timeout=2, lifetime=4, primer=primer)
    loop = asyncio.get_running_loop()
    start = loop.time()
    answer = await resolver.query("good.test", "TXT")
    assert answer.outcome.name == "REFUSED" and loop.time() - start < 1.0


async def test_the_udp_layer_goes_on_with_the_step_for_the_answers_it_reads(rsa2048):
    """The audit starts before any answer came (the imports were quick): the UDP layer reads them, gives each to
    the primer's step and asks what it names at once; still the same report and the same questions, once."""
    zone = _zone(rsa2048)
    async with lab_resolver(zone, delay=0.02) as (r, srv):
        plain = await audit_domain(r, "good.test")
        plain_queries = sorted(srv.queries)
        srv.queries.clear()
        primer = prime(questions_of(["good.test"]), [srv.address])
        step = NextRound(["good.test"])
        primer.follow(step)
        resolver = Resolver([srv.address], timeout=0.5, lifetime=1, primer=primer)
        primed = await audit_domain(resolver, "good.test")
    assert primer.read == []  # the reader had nothing yet: every answer was the layer's
    assert {("_spf.esp.test", "TXT"), ("_netblocks.esp.test", "TXT"), ("_dmarc.reports.test", "TXT"),
            ("good.test._report._dmarc.reports.test", "TXT")} <= set(step.answers)
    assert _report(primed) == _report(plain)
    assert sorted(srv.queries) == plain_queries


async def test_answers_the_reader_read_are_timed_when_they_came_not_when_handed_over(rsa2048):
    """The thread reads the first answers while the audit imports; the UDP layer takes them later. Their round
    trips (which set the retransmit timeout) and their times in the query log end when they were read."""
    import time

    zone = _zone(rsa2048)
    async with lab_resolver(zone, delay=0.02) as (_, srv):
        primer = prime(questions_of(["good.test"]), [srv.address])
        first = set(primer.sent)
        primer.follow(NextRound(["good.test"]))
        for _ in range(300):  # the loop serves the lab: wait until the reader has read every first answer
            if len(primer.read) >= len(first):
                break
            await asyncio.sleep(0.01)
        assert len(primer.read) >= len(first)
        time.sleep(0.4)  # "the imports": the layer takes the answers over this much later
        resolver = Resolver([srv.address], timeout=0.5, lifetime=1, primer=primer)
        await audit_domain(resolver, "good.test")
    mux = resolver._mux
    times = {(e.name, e.rdtype): e.elapsed for e in resolver.log if (e.name, e.rdtype) in first}
    assert times and max(times.values()) < 0.3, times
    assert mux._srtt is not None and mux._srtt < 0.3, mux._srtt


def test_a_reader_that_cannot_start_leaves_nothing_behind(monkeypatch):
    """No thread can start (a process at its limit): follow() gives up quietly, the switch interval is the
    interpreter's again, and the primer closes without error; the command asks its next questions itself."""
    import sys
    import threading

    def refuse(self):
        raise RuntimeError("can't start new thread")

    interval = sys.getswitchinterval()
    primer = prime(questions_of(["good.test"]), ["127.0.0.1:9"])
    monkeypatch.setattr(threading.Thread, "start", refuse)
    primer.follow(NextRound(["good.test"]))
    assert (primer._reader, primer.step, sys.getswitchinterval()) == (None, None, interval)
    primer.close()
    assert primer.sock is None
