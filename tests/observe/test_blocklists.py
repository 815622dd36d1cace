"""The engine against zones served by the lab DNS server: every guard, concurrency, order, timing."""

from __future__ import annotations

import time

import pytest

from smtpdoctor.net.dns import Resolver
from smtpdoctor.core.dnsbl_facts import Status, ZoneStatus
from smtpdoctor.observe.blocklists import Engine, RateLimiter, check_domains, check_ips, check_targets
from smtpdoctor.core.dnsbl_targets import BadInput, parse_inputs
from smtpdoctor.core.dnsbl_zones import Kind, catalogue, select_zones

from smtpdoctor.lab.blocklists import dnsbl_records, healthy_records


def zones(*names: str):
    selected, _ = select_zones(list(names))
    return selected


def status_of(result, zone: str) -> Status:
    return next(r.status for r in result.results if r.zone.name == zone)


async def test_listed_address_gets_code_meaning_and_txt_reason(make_lab):
    recs = dnsbl_records("zen.spamhaus.org", {"192.0.2.1": "127.0.0.2"},
                         txt={"192.0.2.1": "https://check.spamhaus.org/query/ip/192.0.2.1"})
    async with make_lab(recs) as srv:
        (result,), healths, env = await check_ips(Resolver([srv.address]), ["192.0.2.1"],
                                                  zones=zones("zen.spamhaus.org"))
    (r,) = result.results
    assert r.status is Status.LISTED
    assert r.meaning.startswith("SBL")
    assert r.reason == "https://check.spamhaus.org/query/ip/192.0.2.1"
    assert healths[0].status is ZoneStatus.OK and not env.everything_listed


async def test_clean_address_is_not_listed_and_no_txt_is_asked(make_lab):
    recs = dnsbl_records("bl.spamcop.net")
    async with make_lab(recs) as srv:
        (result,), _, _ = await check_ips(Resolver([srv.address]), ["192.0.2.9"], zones=zones("bl.spamcop.net"))
        asked = list(srv.queries)
    assert status_of(result, "bl.spamcop.net") is Status.NOT_LISTED
    assert ("9.2.0.192.bl.spamcop.net", "A") in asked
    assert not [q for q in asked if q[1] == "TXT"]


async def test_spamhaus_error_code_is_reported_as_refused_never_listed(make_lab):
    # What Spamhaus answers through a public resolver: 127.255.255.254 for everything.
    recs = dnsbl_records("zen.spamhaus.org", {"192.0.2.1": "127.255.255.254"}, test_answer="127.255.255.254",
                         unlisted_answer="127.255.255.254")
    async with make_lab(recs) as srv:
        (result,), healths, env = await check_ips(Resolver([srv.address]), ["192.0.2.1"],
                                                  zones=zones("zen.spamhaus.org"))
    assert healths[0].status is ZoneStatus.REFUSED
    assert status_of(result, "zen.spamhaus.org") is Status.REFUSED
    assert not result.listed


async def test_zone_answering_outside_loopback_is_broken(make_lab):
    recs = dnsbl_records("hijacked.lab.test", {"192.0.2.1": "198.51.100.10"}, test_answer="198.51.100.10")
    recs.update(dnsbl_records("bl.spamcop.net"))
    async with make_lab(recs) as srv:
        (result,), healths, env = await check_ips(Resolver([srv.address]), ["192.0.2.1"],
                                                  zones=zones("hijacked.lab.test", "bl.spamcop.net"))
    health = {h.zone.name: h.status for h in healths}
    assert health["hijacked.lab.test"] is ZoneStatus.BROKEN
    assert status_of(result, "hijacked.lab.test") is Status.UNUSABLE
    assert status_of(result, "bl.spamcop.net") is Status.NOT_LISTED
    assert not env.everything_listed


async def test_dead_zone_listing_everything_is_not_believed(make_lab):
    recs = dnsbl_records("dead.lab.test", {"192.0.2.1": "127.0.0.2"}, unlisted_answer="127.0.0.2")
    recs.update(dnsbl_records("bl.spamcop.net"))
    recs.update(dnsbl_records("psbl.surriel.com"))
    async with make_lab(recs) as srv:
        (result,), healths, env = await check_ips(
            Resolver([srv.address]), ["192.0.2.1"], zones=zones("dead.lab.test", "bl.spamcop.net", "psbl.surriel.com"))
    assert {h.zone.name: h.status for h in healths}["dead.lab.test"] is ZoneStatus.ANSWERS_EVERYTHING
    assert status_of(result, "dead.lab.test") is Status.UNUSABLE
    assert not result.listed and not env.everything_listed


async def test_environment_where_everything_is_listed_is_detected(make_lab):
    recs: dict = {}
    for z in ("bl.spamcop.net", "psbl.surriel.com", "zen.spamhaus.org"):
        recs.update(dnsbl_records(z, {"192.0.2.1": "127.0.0.2"}, unlisted_answer="127.0.0.2"))
    async with make_lab(recs) as srv:
        (result,), _, env = await check_ips(Resolver([srv.address]), ["192.0.2.1"],
                                            zones=zones("bl.spamcop.net", "psbl.surriel.com", "zen.spamhaus.org"))
    assert env.everything_listed and env.zones_checked == 3
    assert {r.status for r in result.results} == {Status.UNUSABLE}
    assert not result.listed


async def test_zone_without_test_point_gives_unknown_not_clean(make_lab):
    recs = dnsbl_records("bl.spamcop.net", test_points=False)
    async with make_lab(recs) as srv:
        (result,), healths, _ = await check_ips(Resolver([srv.address]), ["192.0.2.9"],
                                                zones=zones("bl.spamcop.net"))
    assert healths[0].status is ZoneStatus.UNVERIFIED
    assert status_of(result, "bl.spamcop.net") is Status.UNKNOWN


async def test_timeout_is_bounded_by_the_zone_timeout_and_reported_failed(make_lab):
    import dataclasses

    (z,) = zones("bl.spamcop.net")
    z = dataclasses.replace(z, timeout=0.3)
    recs = dnsbl_records("bl.spamcop.net")
    recs["9.2.0.192.bl.spamcop.net"] = "TIMEOUT"
    async with make_lab(recs) as srv:
        start = time.perf_counter()
        (result,), _, _ = await check_ips(Resolver([srv.address], timeout=5, lifetime=10), ["192.0.2.9"], zones=[z])
        elapsed = time.perf_counter() - start
    assert status_of(result, "bl.spamcop.net") is Status.FAILED
    assert elapsed < 1.5


async def test_servfail_is_failed_not_clean(make_lab):
    recs = dnsbl_records("bl.spamcop.net")
    recs["9.2.0.192.bl.spamcop.net"] = "SERVFAIL"
    async with make_lab(recs) as srv:
        (result,), _, _ = await check_ips(Resolver([srv.address]), ["192.0.2.9"], zones=zones("bl.spamcop.net"))
    assert status_of(result, "bl.spamcop.net") is Status.FAILED


async def test_ipv6_address_uses_nibbles(make_lab):
    recs = dnsbl_records("zen.spamhaus.org", {"2001:db8::25": "127.0.0.3"}, kinds=[Kind.IPV6])
    async with make_lab(recs) as srv:
        (result,), healths, _ = await check_ips(Resolver([srv.address]), ["2001:db8::25"],
                                                zones=zones("zen.spamhaus.org", "bl.spamcop.net"))
    # bl.spamcop.net serves IPv4 only: it is not asked at all.
    assert [r.zone.name for r in result.results] == ["zen.spamhaus.org"]
    assert result.results[0].status is Status.LISTED and "CSS" in result.results[0].meaning
    assert healths[0].kind is Kind.IPV6 and healths[0].status is ZoneStatus.OK


async def test_domain_against_rhsbls(make_lab):
    recs = dnsbl_records("dbl.spamhaus.org", {"spam.example": "127.0.1.2", "dbltest.com": "127.0.1.2"}, kinds=[])
    recs.update(dnsbl_records("multi.surbl.org", {"test.surbl.org": "127.0.0.254"}, kinds=[]))
    async with make_lab(recs) as srv:
        results, healths, _ = await check_domains(Resolver([srv.address]), ["spam.example", "clean.example"],
                                                  zones=zones("dbl.spamhaus.org", "multi.surbl.org", "bl.spamcop.net"))
    assert {h.status for h in healths} == {ZoneStatus.OK}
    assert status_of(results[0], "dbl.spamhaus.org") is Status.LISTED
    assert status_of(results[0], "multi.surbl.org") is Status.NOT_LISTED
    assert {r.status for r in results[1].results} == {Status.NOT_LISTED}


async def test_dbl_answering_ip_error_code_is_refused(make_lab):
    recs = dnsbl_records("dbl.spamhaus.org", {"dbltest.com": "127.0.1.2", "odd.example": "127.0.1.255"}, kinds=[])
    async with make_lab(recs) as srv:
        (result,), _, _ = await check_domains(Resolver([srv.address]), ["odd.example"], zones=zones("dbl.spamhaus.org"))
    assert status_of(result, "dbl.spamhaus.org") is Status.REFUSED


async def test_check_ips_refuses_a_domain():
    with pytest.raises(BadInput):
        await check_ips(Resolver(["127.0.0.1:9"]), ["example.com"], zones=zones("bl.spamcop.net"))


async def test_one_ip_against_the_whole_catalogue_costs_about_one_round_trip(make_lab):
    # 33 queries (11 lookups, 22 test points): one after another they would take 33 round trips.
    delay = 0.5
    async with make_lab(healthy_records(catalogue().zones), delay=delay) as srv:
        start = time.perf_counter()
        (result,), healths, _ = await check_ips(Resolver([srv.address]), ["192.0.2.9"], zones=catalogue().zones)
        elapsed = time.perf_counter() - start
    assert len(result.results) >= 10
    assert {r.status for r in result.results} == {Status.NOT_LISTED}
    assert elapsed >= delay
    # All at once, shown without a clock: every question was held by the server at the same moment
    # (asked one after another, at most one would be). The time it takes is bench/dnsbl_vs_pydnsbl.py's.
    assert srv.max_in_flight >= 33, (srv.max_in_flight, len(srv.queries))


async def test_stream_keeps_input_order_with_many_in_flight(make_lab):
    listed = {f"192.0.2.{i}": "127.0.0.2" for i in range(0, 256, 7)}
    recs = dnsbl_records("bl.spamcop.net", listed)
    targets = parse_inputs(["192.0.2.0/24"])
    async with make_lab(recs, delay=0.01) as srv:
        engine = Engine(Resolver([srv.address]), zones("bl.spamcop.net"), concurrency=64)
        seen = [r async for r in engine.stream(targets)]
    assert [r.target.value for r in seen] == [t.value for t in targets]
    assert [r.target.value for r in seen if r.listed] == list(listed)


async def test_concurrency_is_bounded(make_lab):
    recs = dnsbl_records("bl.spamcop.net")
    async with make_lab(recs, delay=0.05) as srv:
        engine = Engine(Resolver([srv.address]), zones("bl.spamcop.net"), concurrency=5, rate=None)
        in_flight = 0
        peak = 0
        original = engine.resolver.query

        async def counting(name, rdtype):
            nonlocal in_flight, peak
            in_flight += 1
            peak = max(peak, in_flight)
            try:
                return await original(name, rdtype)
            finally:
                in_flight -= 1

        engine.resolver.query = counting
        results = [r async for r in engine.stream(parse_inputs(["192.0.2.0/28"]))]
    assert len(results) == 16
    assert peak == 5


async def test_rate_limiter_spaces_starts():
    limiter = RateLimiter(200.0, burst=1)
    start = time.monotonic()
    for _ in range(21):
        await limiter.wait()
    assert time.monotonic() - start >= 0.09  # 20 intervals of 5 ms


async def test_duplicate_inputs_are_asked_once(make_lab):
    recs = dnsbl_records("bl.spamcop.net")
    async with make_lab(recs) as srv:
        results, _, _ = await check_targets(Resolver([srv.address]), parse_inputs(["192.0.2.5", "192.0.2.5"]),
                                            zones=zones("bl.spamcop.net"))
        asked = [q for q in srv.queries if q[0] == "5.2.0.192.bl.spamcop.net"]
    assert len(results) == 2 and len(asked) == 1


async def test_zones_may_be_given_by_name(make_lab):
    recs = dnsbl_records("bl.spamcop.net", {"192.0.2.1": "127.0.0.2"})
    async with make_lab(recs) as srv:
        (result,), _, _ = await check_ips(Resolver([srv.address]), ["192.0.2.1"],
                                          zones=["bl.spamcop.net", "dnsbl.sorbs.net"])
    assert [(r.zone.label, r.status) for r in result.results] == [("SpamCop Blocking List", Status.LISTED)]


async def test_domain_zone_listing_invalid_answers_everything(make_lab):
    recs = dnsbl_records("rhs.lab.test", {"spam.example": "127.0.0.2"}, kinds=[Kind.DOMAIN],
                         unlisted_answer="127.0.0.2")
    async with make_lab(recs) as srv:
        (result,), healths, _ = await check_domains(Resolver([srv.address]), ["spam.example"],
                                                    zones=["rhs.lab.test"])
    (h,) = [h for h in healths if h.kind is Kind.DOMAIN]
    assert h.status is ZoneStatus.ANSWERS_EVERYTHING and "invalid" in h.why
    assert result.results[0].status is Status.UNUSABLE


async def test_uribl_refusal_code_is_refused(make_lab):
    recs = dnsbl_records("multi.uribl.com", {"test.uribl.com": "127.0.0.14", "example.com": "127.0.0.1"}, kinds=[])
    async with make_lab(recs) as srv:
        (result,), healths, _ = await check_domains(Resolver([srv.address]), ["example.com"],
                                                    zones=["multi.uribl.com"])
    assert healths[0].status is ZoneStatus.OK
    assert result.results[0].status is Status.REFUSED and "URIBL blocks this resolver" in result.results[0].why


class _LoseOne:
    """A DNS responder on a path that loses the first copy of one question (``lost``); it lists the test
    point 127.0.0.2 and nothing else, and keeps every question it receives, in order."""

    def __init__(self, lost: bytes) -> None:
        self.lost, self.seen = lost, []

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        import struct

        end = data.index(b"\0", 12)
        labels, i = [], 12
        while data[i]:
            labels.append(data[i + 1:i + 1 + data[i]])
            i += data[i] + 1
        name = b".".join(labels)
        self.seen.append(name)
        if name == self.lost and self.seen.count(name) == 1:
            return
        question = data[12:end + 5]
        if name.startswith(b"2.0.0.127."):
            answer = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + bytes((127, 0, 0, 2))
            self.transport.sendto(data[:2] + struct.pack("!HHHHH", 0x8180, 1, 1, 0, 0) + question + answer, addr)
        else:
            self.transport.sendto(data[:2] + struct.pack("!HHHHH", 0x8183, 1, 0, 0, 0) + question, addr)

    def error_received(self, exc) -> None:  # pragma: no cover - loopback
        pass

    def connection_lost(self, exc) -> None:
        pass


async def test_a_target_waiting_for_a_lost_answer_does_not_stop_four_times_the_limit_of_later_ones():
    # Results come in input order, so the first target, whose question was lost, holds the head until it is
    # asked again; meanwhile the engine keeps four times the concurrency limit's worth of later targets
    # asked (with twice, the queue ran dry after every loss at the default rate).
    import asyncio

    from smtpdoctor.net.udp_mux import MuxResolver

    lost = b"0.2.0.192.bl.spamcop.net"
    loop = asyncio.get_running_loop()
    transport, server = await loop.create_datagram_endpoint(lambda: _LoseOne(lost), local_addr=("127.0.0.1", 0))
    address = "127.0.0.1:%d" % transport.get_extra_info("sockname")[1]
    mux = MuxResolver([address], Resolver([address]), max_in_flight=8)
    try:
        engine = Engine(mux, zones("bl.spamcop.net"), concurrency=8, rate=None)
        results = [r async for r in engine.stream(parse_inputs(["192.0.2.0/26"]))]
    finally:
        mux.close()
        transport.close()
    assert [r.target.value for r in results] == [f"192.0.2.{i}" for i in range(64)]
    assert not any(r.listed for r in results)
    targets = [q for q in server.seen if q.split(b".")[3] != b"127"]  # not the zone's test points
    before_retry = targets[:targets.index(lost, 1)]
    assert before_retry[0] == lost and len(set(before_retry)) == 4 * 8  # the window: 32 targets asked
    assert len(targets) == 64 + 1  # every target once, the lost one twice


async def test_test_points_and_a_listings_txt_go_ahead_of_the_queued_targets(make_lab):
    # Every target waits for the zones' test points, and the targets behind a listed one (results come in
    # input order) wait for its TXT reason: both are asked ahead of the questions already waiting.
    from smtpdoctor.net.udp_mux import MuxResolver

    recs = dnsbl_records("bl.spamcop.net", {"192.0.2.3": "127.0.0.2"}, txt={"192.0.2.3": "listed: test"})
    async with make_lab(recs) as srv:
        mux = MuxResolver([srv.address], Resolver([srv.address]), max_in_flight=4)
        try:
            engine = Engine(mux, zones("bl.spamcop.net"), concurrency=4, rate=None)
            results = [r async for r in engine.stream(parse_inputs(["192.0.2.0/26"]))]
        finally:
            mux.close()
    assert [r.target.value for r in results if r.listed] == ["192.0.2.3"]
    assert results[3].results[0].reason == "listed: test"
    asked = srv.queries
    assert sorted(asked[:2]) == [("1.0.0.127.bl.spamcop.net", "A"), ("2.0.0.127.bl.spamcop.net", "A")]
    a_at = asked.index(("3.2.0.192.bl.spamcop.net", "A"))
    # 16 targets are queued at the start (four times the limit); at the tail the TXT would follow them all.
    assert asked.index(("3.2.0.192.bl.spamcop.net", "TXT")) <= a_at + 2 * 4  # the four out, four more
    assert len(asked) == 2 + 64 + 1
