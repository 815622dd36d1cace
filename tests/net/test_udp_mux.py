"""The bulk UDP layer: the same answers as the facade, failures as values, fallback for TC."""

from __future__ import annotations

import asyncio
import errno
import struct
import time

import pytest

from smtpdoctor.core.observations import Outcome
from smtpdoctor.net.dns import Resolver
from smtpdoctor.lab.blocklists import dnsbl_records
from smtpdoctor.observe.blocklists import check_targets
from smtpdoctor.core.dnsbl_targets import parse_inputs
from smtpdoctor.net.dns_wire import ForeignAnswer, read_records
from smtpdoctor.net.udp_mux import (
    MalformedAnswer, MuxResolver, encode_query, servers_of, system_nameservers,
)
from smtpdoctor.core.dnsbl_zones import select_zones


def test_encode_query_wire_format():
    wire = encode_query(0x1234, "2.0.0.127.zen.spamhaus.org", 1)
    assert wire[:12] == struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0)
    assert wire[12:] == b"\x012\x010\x010\x03127\x03zen\x08spamhaus\x03org\x00\x00\x01\x00\x01"


@pytest.mark.parametrize("name", ["bad..name", "bücher.example", "x" * 64 + ".test", ".".join(["abcdefgh"] * 30)])
def test_encode_refuses_what_it_cannot_encode(name):
    with pytest.raises(ValueError):
        encode_query(1, name, 1)


def _read(data: bytes, name: bytes, qtype: int):
    return read_records(data, tuple(name.split(b".")), qtype)


def test_decode_refuses_garbage_and_foreign_answers():
    query = encode_query(7, "a.test", 1)
    response = bytearray(query)
    response[2] |= 0x80
    with pytest.raises(MalformedAnswer) as short:
        _read(b"\x00\x07", b"a.test", 1)
    assert not isinstance(short.value, ForeignAnswer)  # unreadable: the query ends with an error
    with pytest.raises(MalformedAnswer):
        _read(bytes(query), b"a.test", 1)  # QR not set: not a response
    with pytest.raises(ForeignAnswer):
        _read(bytes(response), b"b.test", 1)  # another question: the asker keeps waiting
    bad = bytes(response[:4]) + struct.pack("!HHHH", 1, 1, 0, 0) + bytes(response[12:]) + b"\xc0\x0c\x00\x01"
    with pytest.raises(MalformedAnswer) as cut:
        _read(bad, b"a.test", 1)  # an answer record cut short
    assert not isinstance(cut.value, ForeignAnswer)


def test_system_nameservers(tmp_path):
    conf = tmp_path / "resolv.conf"
    conf.write_text("# c\nnameserver 127.0.0.53\nnameserver fe80::1%eth0\nnameserver bogus\nsearch x\n")
    assert system_nameservers(str(conf)) == ["127.0.0.53", "[fe80::1]"]
    assert system_nameservers(str(tmp_path / "missing")) == []


async def test_outcomes_match_the_facade(make_lab):
    recs = {
        "a.lab.test": {"A": ["127.0.0.2", "127.0.0.4"], "TXT": ["listed: see https://example.test/"]},
        "nodata.lab.test": {"MX": ["10 mx.lab.test."]},
        "sf.lab.test": "SERVFAIL",
        "rf.lab.test": "REFUSED",
        "alias.lab.test": {"CNAME": ["a.lab.test."]},
    }
    async with make_lab(recs) as srv:
        facade = Resolver([srv.address])
        mux = MuxResolver([srv.address], Resolver([srv.address]))
        try:
            for name, rdtype in [("a.lab.test", "A"), ("a.lab.test", "TXT"), ("nodata.lab.test", "A"),
                                 ("missing.lab.test", "A"), ("sf.lab.test", "A"), ("rf.lab.test", "A"),
                                 ("alias.lab.test", "A"), ("nodata.lab.test", "MX")]:
                ours, theirs = await mux.query(name, rdtype), await facade.query(name, rdtype)
                assert (ours.outcome, sorted(ours.records)) == (theirs.outcome, sorted(theirs.records)), name
        finally:
            mux.close()
    assert {e.name for e in mux.log} >= {"a.lab.test", "sf.lab.test"}


async def test_timeout_is_bounded_by_lifetime(make_lab):
    async with make_lab({"slow.lab.test": "TIMEOUT"}) as srv:
        mux = MuxResolver([srv.address], Resolver([srv.address]), timeout=0.2, lifetime=0.5)
        start = time.perf_counter()
        result = await mux.query("slow.lab.test", "A")
        mux.close()
    assert result.outcome is Outcome.TIMEOUT
    assert 0.45 < time.perf_counter() - start < 1.5
    assert len([q for q in srv.queries if q[0] == "slow.lab.test"]) >= 2  # retried


async def test_truncated_answer_falls_back_to_the_facade_over_tcp(make_lab):
    long_reason = "x" * 3000
    async with make_lab({"big.lab.test": {"TXT": [long_reason]}}) as srv:
        mux = MuxResolver([srv.address], Resolver([srv.address]))
        result = await mux.query("big.lab.test", "TXT")
        mux.close()
    assert result.outcome is Outcome.OK and result.records == (long_reason,)


async def test_garbage_answer_is_an_error_value():
    loop = asyncio.get_running_loop()

    class Garbage(asyncio.DatagramProtocol):
        def connection_made(self, transport):
            self.transport = transport

        def datagram_received(self, data, addr):
            self.transport.sendto(data[:2] + b"\x81\x80\x00\x01\xff", addr)  # right id, cut short

    transport, _ = await loop.create_datagram_endpoint(Garbage, local_addr=("127.0.0.1", 0))
    port = transport.get_extra_info("sockname")[1]
    mux = MuxResolver([f"127.0.0.1:{port}"], Resolver([f"127.0.0.1:{port}"]), timeout=0.5, lifetime=1)
    try:
        result = await mux.query("a.lab.test", "A")
    finally:
        mux.close()
        transport.close()
    assert result.outcome is Outcome.ERROR and "malformed" in result.error


async def test_engine_gives_the_same_results_through_either_layer(make_lab):
    recs = dnsbl_records("zen.spamhaus.org", {"192.0.2.1": "127.0.0.2", "192.0.2.3": "127.255.255.254"},
                         txt={"192.0.2.1": "reason"})
    recs.update(dnsbl_records("dead.lab.test", unlisted_answer="127.0.0.2"))
    recs.update(dnsbl_records("bl.spamcop.net"))
    recs["4.2.0.192.bl.spamcop.net"] = "SERVFAIL"
    zones, _ = select_zones(["zen.spamhaus.org", "dead.lab.test", "bl.spamcop.net"])
    targets = parse_inputs(["192.0.2.0/29"])
    async with make_lab(recs) as srv:
        a = await check_targets(Resolver([srv.address]), targets, zones=zones)
        mux = MuxResolver([srv.address], Resolver([srv.address]))
        b = await check_targets(mux, targets, zones=zones)
        mux.close()

    def flat(run):
        results, healths, env = run
        return ([[(r.zone.name, r.status, r.reason) for r in t.results] for t in results],
                sorted((h.zone.name, h.status) for h in healths), env.everything_listed)

    assert flat(a) == flat(b)


async def test_in_flight_limit_queues_the_rest(make_lab):
    async with make_lab({}, delay=0.1) as srv:
        mux = MuxResolver([srv.address], Resolver([srv.address]), max_in_flight=5)
        start = time.perf_counter()
        results = await asyncio.gather(*(mux.submit(f"n{i}.lab.test", "A") for i in range(20)))
        elapsed = time.perf_counter() - start
        mux.close()
    assert {r.outcome for r in results} == {Outcome.NXDOMAIN}
    assert elapsed >= 0.4  # 20 queries, 5 at a time, 0.1 s each


async def test_rate_limit_spaces_queries(make_lab):
    async with make_lab({}) as srv:
        mux = MuxResolver([srv.address], Resolver([srv.address]), rate=50.0)
        start = time.perf_counter()
        await asyncio.gather(*(mux.submit(f"n{i}.lab.test", "A") for i in range(12)))
        elapsed = time.perf_counter() - start
        mux.close()
    assert elapsed >= 0.18  # a burst of 2, then 10 more at 50/s


async def test_same_question_is_sent_once(make_lab):
    async with make_lab({"a.lab.test": {"A": ["127.0.0.2"]}}) as srv:
        mux = MuxResolver([srv.address], Resolver([srv.address]))
        a, b = await asyncio.gather(mux.query("a.lab.test", "A"), mux.query("A.LAB.TEST.", "A"))
        mux.close()
    assert a is b
    assert srv.queries.count(("a.lab.test", "A")) == 1


async def test_names_that_never_answer_do_not_shrink_the_window(make_lab):
    # A dead zone is not congestion: its retries go unanswered too, so the other zones keep their window.
    recs = {f"dead{i}.lab.test": "TIMEOUT" for i in range(4)}
    recs["alive.lab.test"] = {"A": ["127.0.0.2"]}
    async with make_lab(recs) as srv:
        mux = MuxResolver([srv.address], Resolver([srv.address]), timeout=0.2, lifetime=0.5, max_in_flight=512)
        assert mux._window == 200  # the first flight
        dead = await asyncio.gather(*(mux.submit(f"dead{i}.lab.test", "A") for i in range(4)))
        assert {r.outcome for r in dead} == {Outcome.TIMEOUT}
        assert mux._window == 200
        await asyncio.gather(*(mux.submit(f"n{i}.lab.test", "A") for i in range(50)))
        mux.close()
    assert mux._window == 250  # slow start: one more per answer


class _DropFirst(asyncio.DatagramProtocol):
    """A DNS responder on a lossy path: the first copy of each question whose name starts with "drop" is
    lost; every other question (and every repeat) gets an NXDOMAIN at once."""

    def __init__(self) -> None:
        self.seen: list[bytes] = []

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        qname = data[13:13 + data[12]]
        self.seen.append(qname)
        if qname.startswith(b"drop") and self.seen.count(qname) == 1:
            return
        end = data.index(b"\0", 12) + 5
        self.transport.sendto(data[:2] + struct.pack("!HHHHH", 0x8183, 1, 0, 0, 0) + data[12:end], addr)


async def test_a_dropped_packet_costs_one_retransmission_timeout_and_cuts_the_window_once():
    loop = asyncio.get_running_loop()
    transport, server = await loop.create_datagram_endpoint(_DropFirst, local_addr=("127.0.0.1", 0))
    address = "127.0.0.1:%d" % transport.get_extra_info("sockname")[1]
    # A first flight of 64: a window that slow start is still growing (below the 128 allowed).
    mux = MuxResolver([address], Resolver([address]), timeout=2.0, lifetime=4.0, max_in_flight=128,
                      initial_window=64)
    try:
        warm = await asyncio.gather(*(mux.submit(f"ok{i}.lab.test", "A") for i in range(10)))
        assert {r.outcome for r in warm} == {Outcome.NXDOMAIN}
        assert mux._window == 74
        assert mux.rto() == pytest.approx(0.1)  # measured on loopback: the floor, not the 2 s timeout
        lost = await asyncio.gather(*(mux.submit(f"drop{i}.lab.test", "A") for i in range(5)))
        cut = mux._window
        # A round trip's worth of answers (one per slot) closes about half the gap to the window the loss
        # cut (CUBIC-like regrowth), not the four answers' worth of linear probing.
        await asyncio.gather(*(mux.submit(f"again{i}.lab.test", "A") for i in range(round(cut))))
        regrown = mux._window
    finally:
        mux.close()
        transport.close()
    assert {r.outcome for r in lost} == {Outcome.NXDOMAIN}
    assert max(r.elapsed for r in lost) < 1.0  # one RTO (0.1 s) and a sweep, far below the 2 s timeout
    assert sorted(q for q in server.seen if q.startswith(b"drop")) == sorted([b"drop%d" % i for i in range(5)] * 2)
    assert mux._threshold == pytest.approx(74 * 0.7)  # five losses of one round: one cut
    assert cut == pytest.approx(74 * 0.7, abs=1)  # the other four retried answers regrow it a little
    assert cut + (74 - cut) * 0.35 < regrown < 74


async def _drop_first_server():
    loop = asyncio.get_running_loop()
    transport, server = await loop.create_datagram_endpoint(_DropFirst, local_addr=("127.0.0.1", 0))
    return transport, server, "127.0.0.1:%d" % transport.get_extra_info("sockname")[1]


async def test_a_question_lost_in_the_first_flight_is_asked_again_at_the_measured_rto():
    # Sent before any round trip is measured, the first flight's questions expire after RFC 6298's 1 s.
    # Once its other answers have measured the round trip (loopback: the 0.1 s floor), a lost one is asked
    # again then: with a lifetime of 0.9 s it is answered; held to the 1 s it would time out unasked.
    transport, server, address = await _drop_first_server()
    mux = MuxResolver([address], Resolver([address]), timeout=2.0, lifetime=0.9)
    try:
        assert mux.rto() == 1.0  # nothing measured yet
        results = await asyncio.gather(*(mux.submit(f"{'drop' if i % 10 == 0 else 'ok'}{i}.lab.test", "A")
                                         for i in range(40)))
    finally:
        mux.close()
        transport.close()
    assert [r.outcome for r in results] == [Outcome.NXDOMAIN] * 40
    assert sorted(q for q in server.seen if q.startswith(b"drop")) == sorted([b"drop%d" % i for i in (0, 10, 20, 30)] * 2)
    assert len(server.seen) == 44  # every question once, the four lost ones twice: nothing asked early


async def test_the_first_flight_is_two_hundred_questions_then_slow_start():
    transport, server, address = await _drop_first_server()
    mux = MuxResolver([address], Resolver([address]), timeout=2.0, lifetime=4.0, max_in_flight=512)
    try:
        assert mux._window == 200  # what pydnsbl keeps in flight throughout
        futures = [mux.submit(f"ok{i}.lab.test", "A") for i in range(240)]
        assert mux._in_flight == 200 and len(mux._queue) == 40  # the rest waits for answers
        await asyncio.gather(*futures)
    finally:
        mux.close()
        transport.close()
    assert mux._window == 440  # slow start: one more per answer
    assert len(server.seen) == 240
    full = MuxResolver([address], Resolver([address]), full=True)
    assert full._window == 64  # the facade's questions go to a resolver with cold caches: a smaller flight


async def test_the_window_comes_back_after_several_cuts_in_a_row():
    # A server that stalls (descheduled on a busy host) loses questions several round trips in a row: one
    # cut each. Probing then doubles its step every round trip without a loss, so the window is back near
    # what it was within a few round trips of answers instead of growing by four per round trip.
    transport, server, address = await _drop_first_server()
    mux = MuxResolver([address], Resolver([address]), timeout=2.0, lifetime=4.0, max_in_flight=512)
    try:
        for k in range(4):
            await asyncio.gather(*(mux.submit(f"drop{k}x{i}.lab.test", "A") for i in range(3)))
        low = mux._window
        for k in range(6):  # 1,200 answers, never more than 200 out (a loopback server's buffer holds them)
            await asyncio.gather(*(mux.submit(f"ok{k}x{i}.lab.test", "A") for i in range(200)))
    finally:
        mux.close()
        transport.close()
    assert mux.retransmitted == 12  # the twelve lost questions, asked again once each
    assert low < 200 * 0.7 ** 3  # four losing rounds: cut four times
    assert mux._window > 400  # probing by four per round trip would be near 150 here


async def test_answers_waiting_in_the_socket_are_read_before_questions_are_declared_late():
    # The client held off the CPU (a busy host) for longer than the retransmission timeout: the server has
    # answered everything meanwhile, more than one read's worth (256). Those answers are read before the
    # sweep looks for late questions, so none is asked again and the window is not cut.
    from smtpdoctor.lab.background import in_background
    from smtpdoctor.lab.dns_server import LabDnsServer

    with in_background(LabDnsServer({})) as (server,):  # its own thread: it answers while this loop is held
        mux = MuxResolver([server.address], Resolver([server.address]), timeout=2.0, lifetime=4.0,
                          max_in_flight=2048, initial_window=600)
        try:
            await asyncio.gather(*(mux.submit(f"warm{i}.lab.test", "A") for i in range(10)))
            assert mux.rto() == pytest.approx(0.1)
            futures = []
            for k in range(3):  # 450 answers, in bursts a server's socket buffer takes whole
                futures += [mux.submit(f"n{k}x{i}.lab.test", "A") for i in range(150)]
                time.sleep(0.5)  # this loop held: no reads, the sweep overdue
            results = await asyncio.gather(*futures)
        finally:
            mux.close()
    assert {r.outcome for r in results} == {Outcome.NXDOMAIN}
    assert mux.retransmitted == 0
    assert mux._window == 600 + 10 + 450  # slow start, never cut


class _Stall(asyncio.DatagramProtocol):
    """A DNS responder that answers at once, except questions whose name starts with "slow": those it
    answers ``hold`` seconds late (a server held off the CPU), every copy it receives."""

    def __init__(self, hold: float) -> None:
        self.hold, self.seen = hold, []

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        qname = data[13:13 + data[12]]
        self.seen.append(qname)
        end = data.index(b"\0", 12) + 5
        answer = data[:2] + struct.pack("!HHHHH", 0x8183, 1, 0, 0, 0) + data[12:end]
        if qname.startswith(b"slow"):
            asyncio.get_running_loop().call_later(self.hold, self.transport.sendto, answer, addr)
        else:
            self.transport.sendto(answer, addr)


@pytest.mark.parametrize("later_answered, asked_again", [(False, 0), (True, 20)])
async def test_late_questions_are_asked_again_at_one_rto_only_when_a_later_question_was_answered(
        later_answered, asked_again):
    # Twenty questions answered 0.15 s late: between one measured RTO (0.1 s on loopback) and two. With
    # nothing sent after them answered, the server has stalled: they are not asked again and the window is
    # not cut. With later questions answered meanwhile, the path delivers: they count as lost at one RTO.
    loop = asyncio.get_running_loop()
    transport, server = await loop.create_datagram_endpoint(lambda: _Stall(0.15), local_addr=("127.0.0.1", 0))
    address = "127.0.0.1:%d" % transport.get_extra_info("sockname")[1]
    mux = MuxResolver([address], Resolver([address]), timeout=2.0, lifetime=4.0, max_in_flight=512)
    try:
        await asyncio.gather(*(mux.submit(f"warm{i}.lab.test", "A") for i in range(10)))
        assert mux.rto() == pytest.approx(0.1)
        window = mux._window
        slow = [mux.submit(f"slow{i}.lab.test", "A") for i in range(20)]
        if later_answered:
            await asyncio.sleep(0.01)
            await asyncio.gather(*(mux.submit(f"fast{i}.lab.test", "A") for i in range(5)))
        results = await asyncio.gather(*slow)
    finally:
        mux.close()
        transport.close()
    assert {r.outcome for r in results} == {Outcome.NXDOMAIN}
    assert mux.retransmitted == asked_again
    assert len([q for q in server.seen if q.startswith(b"slow")]) == 20 + asked_again
    if not later_answered:
        assert mux._window == window + 20  # never cut: slow start took every answer


def test_servers_of_reads_the_facade():
    assert servers_of(Resolver(["127.0.0.1:5353", "[::1]:53"])) == ["127.0.0.1:5353", "[::1]:53"]
    assert servers_of(object()) == []


async def test_blacklist_findings_go_through_the_layer_and_fill_the_facade_log(make_lab):
    from smtpdoctor.flows.blacklist import blacklist_findings

    recs = dnsbl_records("bl.spamcop.net", {"192.0.2.1": "127.0.0.2"})
    async with make_lab(recs) as srv:
        facade = Resolver([srv.address])
        found = await blacklist_findings(facade, ip="192.0.2.1", domain=None, zones=("bl.spamcop.net",))
    assert [f.id for f in found] == ["dnsbl.listed"]
    assert ("1.2.0.192.bl.spamcop.net", "A") in {(e.name, e.rdtype) for e in facade.log}


def _closed_port() -> int:
    import socket as _socket

    probe = _socket.socket(_socket.AF_INET, _socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()  # a port with nothing behind it: the kernel answers with ICMP port unreachable
    return port


async def test_nothing_listening_is_refused_on_every_question():
    port = _closed_port()
    # A timeout far above what the run takes: a refusal missed would read TIMEOUT, not REFUSED.
    mux = MuxResolver([f"127.0.0.1:{port}"], Resolver([f"127.0.0.1:{port}"]), timeout=5, lifetime=10)
    try:
        results = await asyncio.gather(*(mux.submit(f"n{i}.lab.test", "A") for i in range(5)))
    finally:
        mux.close()
    assert {r.outcome for r in results} == {Outcome.REFUSED}
    assert {r.failure.kind for r in results} == {"refused"}
    assert {r.failure.errno for r in results} == {errno.ECONNREFUSED}
    assert f"127.0.0.1:{port}" in results[0].error


async def test_a_closed_port_refuses_the_first_question_through_the_facade():
    port = _closed_port()
    facade = Resolver([f"127.0.0.1:{port}"], timeout=5, lifetime=10)
    result = await facade.query("example.com", "MX")  # the facade's layer (full answers, EDNS)
    assert result.outcome is Outcome.REFUSED and result.failure.kind == "refused"
    assert result.to_json()["failure"]["kind"] == "refused"


async def test_a_refusing_server_passes_its_questions_to_the_next(make_lab):
    port = _closed_port()
    async with make_lab({f"n{i}.lab.test": {"A": [f"192.0.2.{i}"]} for i in range(6)}) as srv:
        mux = MuxResolver([f"127.0.0.1:{port}", srv.address], Resolver([srv.address]), timeout=5, lifetime=10)
        try:
            results = await asyncio.gather(*(mux.submit(f"n{i}.lab.test", "A") for i in range(6)))
        finally:
            mux.close()
    assert [r.records for r in results] == [(f"192.0.2.{i}",) for i in range(6)]
    assert all(r.failure is None for r in results)
