"""The I/O layer for bulk blocklist lookups: many A/TXT queries multiplexed over one UDP socket per server.

Why it exists: :class:`smtpdoctor.net.dns.Resolver` (dnspython's async resolver) spends about 1 ms of CPU per
query, because each query opens its own socket and builds full message objects. That is nothing for a
diagnosis, but it caps a bulk run near 1,000 queries per second on this machine, below pydnsbl (c-ares).
Block-list answers are tiny and uniform (A records in 127.0.0.0/8, a TXT reason), so this module builds
the query bytes by hand, sends them all over one connected UDP socket per server, matches answers by ID
and question, and reads only what a DNSBL answer holds.

It has the same surface as the facade (``await query(name, rdtype) -> DnsResult``, failures as values, a
per-run cache with in-flight dedupe, a query log) and hands anything it does not handle to the facade:
other record types, truncated (TC) answers, which need TCP, and names it cannot encode.
It lives beside the facade in ``smtpdoctor.net.dns`` as its fast UDP transport for bulk A/TXT questions.
"""

from __future__ import annotations

import asyncio
import struct
import time
from collections import deque
from typing import TYPE_CHECKING, Callable, Sequence

from ..core.observations import DnsResult, Failure, Outcome, QueryLogEntry
from .dns import CACHE_SIZE, LOG_SIZE, AnswerCache, Resolver, parse_nameserver
from .dns_wire import QTYPES as _FULL_TYPES, RCODES as _RCODES, ForeignAnswer, MalformedAnswer, encode_query, question_key, read_records
from .udp_socket import REFUSALS, UdpSocket, refusal

if TYPE_CHECKING:
    from .dns_first import Primer
    from .dns_wire import Answer

__all__ = ["MuxResolver", "encode_query", "MalformedAnswer", "system_nameservers", "servers_of"]

# The blocklist sweep's types. With ``full=True`` (the facade's transport): every type a mail audit asks
# (dns_wire.QTYPES); the answers of those ``dns_wire`` does not read itself are parsed by dnspython.
_TYPES = {"A": 1, "TXT": 16}


def system_nameservers(path: str = "/etc/resolv.conf") -> list[str]:
    """The ``nameserver`` lines of resolv.conf (scope ids dropped); empty when there is none to read."""
    out: list[str] = []
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for line in fh:
                parts = line.split()
                if len(parts) >= 2 and parts[0] == "nameserver":
                    address = parts[1].split("%", 1)[0]
                    try:
                        parse_nameserver(address)
                    except ValueError:
                        continue
                    out.append(f"[{address}]" if ":" in address else address)
    except OSError:
        return []
    return out


def servers_of(resolver: object) -> list[str]:
    """The plain-DNS servers (``"IP:PORT"``) a facade asks (:attr:`Resolver.servers`); empty when it uses
    anything else (DoH, DoT), and the facade should then do the work."""
    servers = getattr(resolver, "servers", None)
    if servers is None:
        return []
    return [f"[{address}]:{port}" if ":" in address else f"{address}:{port}" for address, port in servers]


class _Query:
    """One question: queued, sent, answered or timed out, retried over the servers until its lifetime
    ends. Callback-driven (no task per query), which is what makes the layer cheap."""

    __slots__ = ("mux", "name", "qname", "rdtype", "qtype", "future", "start", "lifetime", "deadline", "attempt",
                 "qid", "expires", "error", "body", "sock", "packet", "sent", "first_sent", "refused_by")

    def __init__(self, mux: "MuxResolver", name: str, rdtype: str, qtype: int, future: asyncio.Future,
                 wire: bytes, lifetime: float) -> None:
        self.mux, self.name, self.rdtype, self.qtype, self.future = mux, name, rdtype, qtype, future
        self.body = wire[2:]
        qname = name.encode("ascii").lower()
        self.qname = tuple(qname.split(b".")) if qname else ()  # dns_wire compares labels: split once, here
        self.start = time.perf_counter()
        self.lifetime = lifetime
        self.deadline = 0.0
        self.attempt = 0
        self.qid = -1
        self.expires = 0.0
        self.sock: UdpSocket | None = None
        self.packet = b""
        self.sent = self.first_sent = 0.0
        self.error = "no answer"
        self.refused_by: tuple[UdpSocket, ...] = ()  # the servers that refused this question

    def begin(self) -> None:
        """Called when the query leaves the queue: its lifetime starts now."""
        self.deadline = time.perf_counter() + self.lifetime
        self.send()

    def send(self) -> None:
        remaining = self.deadline - time.perf_counter()
        if remaining <= 0:
            self._stop()
            self.finish(Outcome.TIMEOUT, error=f"no answer within {self.lifetime:g} s ({self.error})")
            return
        sockets = self.mux._sockets
        sock = sockets[self.attempt % len(sockets)]
        for _ in range(len(sockets)):  # not back to a server that refused it (one has not: see refused)
            if sock not in self.refused_by:
                break
            self.attempt += 1
            sock = sockets[self.attempt % len(sockets)]
        self.attempt += 1
        if sock is not self.sock or sock.pending.get(self.qid) is not self:
            # A new server (or the first send): a new id. To the same server the id is kept, so a late
            # answer to the earlier send still counts (a retransmission, not a second question).
            self._stop()
            self.sock, self.qid = sock, sock.new_id()
            sock.pending[self.qid] = self
            self.packet = struct.pack("!H", self.qid) + self.body
        if sock.held or not self.transmit():
            self.expires = self.deadline  # not out yet: only its lifetime bounds the wait
            self.sent = 0.0  # ... and no early retry: nothing is on the wire
            sock.hold(self)
        self.mux._arm()

    def transmit(self) -> bool:
        """Send the packet now; False when the kernel's send buffer is full (the caller holds it)."""
        assert self.sock is not None
        try:
            if not self.sock.send(self.packet):
                return False
        except OSError as exc:
            failure = refusal(exc, self.sock.server)
            if failure is not None:
                self.refused(self.sock, failure)
                return True
            self.sock.pending.pop(self.qid, None)
            self.finish(Outcome.ERROR, error=f"{type(exc).__name__}: {exc}")
            return True
        self._sent_at(time.perf_counter())
        return True

    def _sent_at(self, now: float) -> None:
        self.sent = now
        if self.attempt == 1:
            self.first_sent = now
        else:
            self.mux.retransmitted += 1
        # Exponential backoff from the measured retransmission timeout, never beyond --timeout per attempt;
        # twice that while no later question has been answered (see MuxResolver._sweep).
        wait = min(self.mux.timeout, self.mux._stalled * self.mux.rto() * (1 << min(self.attempt - 1, 10)))
        self.expires = now + min(wait, max(0.0, self.deadline - now))

    def sent_before(self, sock: UdpSocket, qid: int, when: float) -> None:
        """This question went out on ``sock`` with id ``qid`` at ``when``, before the layer opened (a
        :class:`smtpdoctor.net.dns_first.Primer`): from now on it is waited for, read and retried as if the
        layer had sent it then."""
        self.start = when
        self.deadline = when + self.lifetime
        self.attempt = 1
        self.sock, self.qid = sock, qid
        sock.pending[qid] = self
        self.packet = struct.pack("!H", qid) + self.body
        self._sent_at(when)
        self.mux._arm()

    def refused(self, sock: UdpSocket, failure: Failure) -> None:
        """``sock``'s server refused (ICMP unreachable): ask the next server that has not, or, when every
        server has, finish now with the refusal as a value."""
        self._stop()
        self.refused_by += (sock,)
        self.first_sent = float("-inf")  # a refusal is not a dropped packet: the window stays as it is
        if len(self.refused_by) >= len(self.mux._sockets):
            self.finish(REFUSALS[failure.errno][1], error=failure.message, failure=failure)  # type: ignore[index]
            return
        self.error = failure.message
        self.send()

    def expired(self) -> None:
        self.error = "timeout"
        self.send()  # kept registered under its id: a late answer to this send is still taken

    def answered(self, sock: UdpSocket, data: bytes) -> None:
        if self.mux.full:
            from .dns_wire import settle

            settle(self, data)
            return
        try:
            rcode, records, ttl, truncated = read_records(data, self.qname, self.qtype)
        except ForeignAnswer:
            return  # a stray or spoofed packet with a matching id: keep waiting
        except MalformedAnswer as exc:
            self._stop()
            self.finish(Outcome.ERROR, error=f"malformed answer: {exc}")
            return
        self._stop()
        self.mux._answered(self)
        if truncated:
            self.mux._release()
            self.mux._to_facade(self.name, self.rdtype, self.future)  # needs TCP
        elif rcode in _RCODES and _RCODES[rcode] is not None:
            self.finish(_RCODES[rcode])  # type: ignore[arg-type]
        elif rcode != 0:
            self.finish(Outcome.ERROR, error=f"rcode {rcode}")
        elif not records:
            self.finish(Outcome.NODATA)
        else:
            self.finish(Outcome.OK, records=records, ttl=ttl)

    def _stop(self) -> None:
        if self.sock is not None:
            self.sock.pending.pop(self.qid, None)

    def cancel(self) -> None:
        self._stop()

    def finish(self, outcome: Outcome, **kw) -> None:
        result = DnsResult(name=self.name, rdtype=self.rdtype, outcome=outcome,
                           elapsed=(self.mux._arrived or time.perf_counter()) - self.start, **kw)
        if not self.mux.full:
            self.mux.log.append(QueryLogEntry(self.name, self.rdtype, outcome, result.elapsed))
        self.mux._release()
        self.mux.answered += 1
        if not self.future.done():
            self.future.set_result(result)
        if not self.mux.full:
            self.mux._cache._trim()  # answered: it may go now (a call, not a done-callback per question)


class MuxResolver:
    """Fast A/TXT lookups over UDP to ``nameservers``; everything else through ``fallback``.

    At most ``max_in_flight`` queries are out at once and at most ``rate`` start per second (a token
    bucket, bursts of 50 ms worth); the rest wait in a queue, in order. ``lifetime`` counts from the moment
    a query leaves the queue. Needs an event loop with ``add_reader`` (every loop on Linux and macOS).

    Loss is handled the way TCP handles it, because on a real path packets are lost when a queue is full
    (a router's, the loopback backlog, a socket buffer, a forwarder: dnsmasq keeps 150 queries at most):

    * the retransmission timeout is measured, not fixed: ``srtt + 4 * rttvar`` over first-send answers
      (Karn), at least 0.1 s, at most ``timeout``, doubled on each retry of a query, and applied at each
      sweep to every question out (so the first flight, sent with no measure yet, is not held to 1 s);
      without ``full``, twice that while no question sent after it has been answered (a stalled server,
      not a loss). A lost packet costs about one RTO instead of the whole ``timeout`` (2 s against a
      50 ms round trip was the collapse: every burst that overflowed a queue stalled the sweep for 2 s);
    * the window starts at 200 (64 with ``full``) and grows by one per answer (slow start) up to a threshold; a loss
      multiplies it by 0.7 (not below 8) and sets the threshold there, at most once per round of sends.
      Above the threshold it closes half the gap to the window the loss cut, per round trip (CUBIC's
      concave regrowth: a queue that overflowed in one burst held that much a moment before), then
      probes by four per round trip, doubling every round trip without a loss (CUBIC's convex
      phase): a server that stalled for a moment (descheduled on a busy host) costs several cuts in a
      row, and probing by four alone then took dozens of round trips back to what the path carries.
      A loss counts when a retried query is then answered: the question was answerable, so the packet
      was dropped. A zone that never answers (retries unanswered
      too) is not congestion and does not shrink the window for the other zones.
    """

    _MIN_RTO = 0.1
    # The first flight: 200, what pydnsbl (the common Python checker) keeps in flight from its first
    # moment and throughout (its default concurrency), so no more than list operators already see from
    # one checker; half the courtesy rate's 50 ms burst (400 at 8,000/s), which stays the bound on starts
    # per second. From 64, slow start took three round trips to reach the rate (0.08 s of a 1.3 s sweep).
    # A first flight a small forwarder cannot hold (dnsmasq keeps 150) costs one measured RTO and cuts
    # the window once, as any loss does.
    _INITIAL_WINDOW = 200
    _INITIAL_WINDOW_FULL = 64  # the facade's questions go to a recursive resolver with cold caches
    _DECREASE = 0.7  # CUBIC's factor: a halving (Reno) left the window far below what the path carries
    _PROBE = 4.0  # answers' worth of growth per round trip above the threshold

    def __init__(self, nameservers: Sequence[str], fallback: Resolver, *, timeout: float = 2.0,
                 lifetime: float = 4.0, max_in_flight: int = 512, rate: float | None = None,
                 full: bool = False, initial_window: int | None = None) -> None:
        if not nameservers:
            raise ValueError("MuxResolver needs at least one nameserver")
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self.servers = [parse_nameserver(ns) for ns in nameservers]
        self.full = full  # any type, EDNS with DO and AD, answers read as the facade reads them; no cache, no log
        # A recursive resolver's cold answers take hundreds of ms: the facade's questions are not re-sent
        # before 1 s (RFC 6298's floor). Block-list zones answer from hot caches: 0.1 s.
        self._min_rto = min(timeout, 1.0) if full else self._MIN_RTO
        self.fallback = fallback
        self.timeout = timeout
        self.lifetime = lifetime
        self.max_in_flight = max_in_flight
        self.rate = rate or 0.0
        self.log: deque[QueryLogEntry] = deque(maxlen=LOG_SIZE)  # the last questions; ``asked`` counts all
        self.asked = 0
        self.answered = 0  # questions finished (counted as their answer is read, not a turn of the loop later)
        self.retransmitted = 0  # questions sent again (their earlier packet, or its answer, was lost)
        # full mode: called with ((name, type), dns_wire.Answer) for each whole NOERROR or NXDOMAIN answer read,
        # once its question is finished (the facade's follow-up questions: net/dns.Resolver._open_mux)
        self.on_answer: Callable[[tuple[str, str], Answer], None] | None = None
        self._sockets: list[UdpSocket] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._cache = AnswerCache(CACHE_SIZE)
        self._queue: deque[_Query] = deque()
        self._in_flight = 0
        first = initial_window or (self._INITIAL_WINDOW_FULL if full else self._INITIAL_WINDOW)
        self._window = float(min(first, max_in_flight))
        self._threshold = float(max_in_flight)
        self._cut_from = 0.0  # the window a loss last cut
        self._probe = self._PROBE  # growth per round trip while probing: doubles every round trip without loss
        self._round_answers = 0.0  # answers since the probe last doubled
        self._srtt: float | None = None
        self._newest_answered = 0.0  # when the newest question answered at its first send was sent
        self._arrived: float | None = None  # while adopt() hands over a datagram the primer read: when it was read
        # RTOs to wait while no later question was answered: 2 for the sweep; 1 for the facade's questions,
        # which come few at a time (a lone lost question has no later one) and already wait at least 1 s.
        self._stalled = 1.0 if full else 2.0
        self._rttvar = 0.0
        self._sweep_handle: asyncio.TimerHandle | None = None
        self._last_cut = float("-inf")
        self._burst = max(1.0, self.rate * 0.05)
        self._tokens = self._burst
        self._last = time.monotonic()
        self._drain_scheduled = False

    def _open(self, primer: Primer | None = None) -> None:
        """Sockets to the servers, on the running loop; the one to ``primer``'s server is the primer's own
        (questions sent before the loop ran, net.dns_first: see :meth:`adopt`)."""
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            self.close()
            self._loop = loop
            self._cache.clear()  # futures of another loop are of no use here
        if not self._sockets:
            self._sockets = [UdpSocket(loop, server, sock=primer.claim(server) if primer else None)
                             for server in self.servers]

    def adopt(self, primer: Primer) -> dict[tuple[str, str], asyncio.Future[DnsResult]]:
        """The futures of the questions ``primer`` sent, on the socket this layer took from it when it opened
        (``_open(primer)``): each is this layer's own from now on, sent once at its time, and the datagrams the
        primer read already (:meth:`~smtpdoctor.net.dns_first.Primer.follow`) are read now, as if they had
        waited in the socket. Empty when the primer's server is not this layer's (the facade then asks them
        itself)."""
        if not primer.taken:
            return {}
        sock = next(s for s in self._sockets if s.server == primer.server)
        futures = {}
        assert self._loop is not None
        for (name, rdtype), (qid, wire, when) in primer.sent.items():
            fut = self._loop.create_future()
            query = _Query(self, name, rdtype, _FULL_TYPES[rdtype], fut, wire, self.lifetime)
            self._in_flight += 1
            query.sent_before(sock, qid, when)
            futures[(name, rdtype)] = fut
        try:
            for data, when in primer.read:
                self._arrived = when  # the round trip and the answer's time end when the thread read it
                sock.take(data)
        finally:
            self._arrived = None
        if primer.failed is not None:
            sock.refused_all(primer.failed)
        return futures

    def waiting(self) -> bool:
        """A datagram waits in one of the sockets, not read yet (the loop reads it on its next turn)."""
        import select

        socks = [s.sock for s in self._sockets if s.sock.fileno() >= 0]
        try:
            return bool(socks and select.select(socks, [], [], 0)[0])
        except (OSError, ValueError):
            return False

    def close(self) -> None:
        if self._sweep_handle is not None:
            self._sweep_handle.cancel()
            self._sweep_handle = None
        for sock in self._sockets:
            for query in list(sock.pending.values()):
                query.cancel()
            sock.close()
        self._sockets = []
        self._queue.clear()
        self._in_flight = 0

    # -- timeouts: one sweep every 50 ms instead of a timer per query ---------------------------------
    _SWEEP = 0.025

    def _arm(self) -> None:
        if self._sweep_handle is None and self._loop is not None:
            self._sweep_handle = self._loop.call_later(self._SWEEP, self._sweep)

    def _sweep(self) -> None:
        """Retry every question whose wait is over: its expiry (set when it was sent), or, sooner, the
        retransmission timeout measured since. The questions of the first flight are sent before any
        round trip is known (RFC 6298's 1 s); once answers have measured 50 ms, a lost one is asked again
        after about 0.1 s, not 1 s.

        One RTO when a question sent after it has been answered (RACK's evidence: the path delivers, so
        this packet was lost); two while none has (the server or the path has stalled, or it is the last
        question out). A server held off the CPU for a little longer than one RTO answered every
        question out late; asking all of them again doubled its load at the worst moment, and each
        late answer then counted as a loss and cut the window (one round in five at load 6)."""
        self._sweep_handle = None
        for sock in self._sockets:
            # Answers already in the socket first: a process that was held off the CPU (a busy host) finds
            # more than one read's worth waiting, and the loop runs this sweep before the next read. Their
            # questions are answered, not late; asked again, they each cut the window as a loss.
            sock.read_all()
        now = time.perf_counter()
        rto, cap, newest, stalled = self.rto(), self.timeout, self._newest_answered, self._stalled * self.rto()
        waiting = False
        for sock in self._sockets:
            late = [q for q in sock.pending.values()
                    if q.expires <= now or 0.0 < q.sent <= now - min(cap, (rto if q.sent < newest else stalled)
                                                                     * (1 << min(q.attempt - 1, 10)))]
            for query in late:
                query.expired()
            waiting = waiting or bool(sock.pending)
        if waiting:
            self._arm()

    # -- limits ---------------------------------------------------------------------------------------
    def _token(self) -> bool:
        if not self.rate:
            return True
        now = time.monotonic()
        self._tokens = min(self._burst, self._tokens + (now - self._last) * self.rate)
        self._last = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

    def _drain(self) -> None:
        self._drain_scheduled = False
        while self._queue and self._in_flight < self._window:
            if not self._token():
                if not self._drain_scheduled:
                    self._drain_scheduled = True
                    assert self._loop is not None
                    self._loop.call_later((1.0 - self._tokens) / self.rate, self._drain)
                return
            query = self._queue.popleft()
            if query.future.done():  # its askers went away
                continue
            self._in_flight += 1
            query.begin()

    def rto(self) -> float:
        """The retransmission timeout now (RFC 6298's formula over this run's answers)."""
        if self._srtt is None:
            return min(self.timeout, 1.0)
        return min(self.timeout, max(self._min_rto, self._srtt + 4 * self._rttvar))

    def _answered(self, query: "_Query") -> None:
        now = self._arrived or time.perf_counter()
        if query.attempt == 1:  # Karn: only an answer to a query sent once measures the round trip
            if query.sent > self._newest_answered:
                self._newest_answered = query.sent
            sample = now - query.sent
            if self._srtt is None:
                self._srtt, self._rttvar = sample, sample / 2
            else:
                self._rttvar += 0.25 * (abs(self._srtt - sample) - self._rttvar)
                self._srtt += 0.125 * (sample - self._srtt)
        elif query.first_sent > self._last_cut:  # answered after a retry: a packet was dropped
            self._last_cut = now
            self._cut_from = self._window
            self._probe, self._round_answers = self._PROBE, 0.0
            self._threshold = self._window = max(min(8.0, float(self.max_in_flight)), self._window * self._DECREASE)
            return
        if self._window < self._threshold:
            self._window += 1.0
        elif self._window < self.max_in_flight:
            # One round trip brings about ``window`` answers: half the gap back per round trip, then probing.
            self._window += max(self._probe, (self._cut_from - self._window) / 2) / self._window
            self._round_answers += 1.0
            if self._round_answers >= self._window:  # a round trip's answers without a loss
                self._round_answers = 0.0
                self._probe = min(2 * self._probe, float(self.max_in_flight))
        self._window = min(self._window, float(self.max_in_flight))

    def _release(self) -> None:
        self._in_flight -= 1
        if self._queue:
            self._drain()

    # -- asking ---------------------------------------------------------------------------------------
    def submit(self, name: str, rdtype: str, *, lifetime: float | None = None,
               first: bool = False) -> asyncio.Future[DnsResult]:
        """Ask ``name``/``rdtype``; the future's result is a :class:`DnsResult` (never an exception).
        Must be called from a running event loop. Asked once per run; later askers share the answer.
        ``first``: at the head of the queue, not its tail (a question other work is already waiting for)."""
        self._open()
        key = question_key(name, rdtype)
        fut = None if self.full else self._cache.get(key)
        if fut is not None and not fut.cancelled():
            return fut
        assert self._loop is not None
        fut = self._loop.create_future()
        if not self.full:  # the facade that owns a full layer keeps the cache (and counts)
            self.asked += 1
            self._cache.put(key, fut)
        qtype = (_FULL_TYPES if self.full else _TYPES).get(key[1])
        try:
            if qtype is None:
                raise ValueError("not a type this layer handles")
            wire = encode_query(0, key[0], qtype, edns=self.full)
        except ValueError:  # another type, or a name the hand encoder does not take (IDN, long)
            self._in_flight += 1
            self._to_facade(key[0], key[1], fut, release=True)
            return fut
        query = _Query(self, key[0], key[1], qtype, fut, wire,
                       min(lifetime, self.lifetime) if lifetime else self.lifetime)
        if first:
            self._queue.appendleft(query)
        else:
            self._queue.append(query)
        self._drain()
        return fut

    async def query(self, name: str, rdtype: str) -> DnsResult:
        """The facade's signature: ``await query(name, rdtype) -> DnsResult``."""
        return await asyncio.shield(self.submit(name, rdtype))

    def _to_facade(self, name: str, rdtype: str, fut: asyncio.Future, release: bool = False, tcp: bool = False) -> None:
        async def ask() -> None:
            try:
                result = await (self.fallback.query(name, rdtype, tcp=True) if tcp else self.fallback.query(name, rdtype))
            finally:
                if release:
                    self._release()
            if not self.full:
                self.log.append(QueryLogEntry(name, rdtype, result.outcome, result.elapsed))
            if not fut.done():
                fut.set_result(result)
            if not self.full:
                self._cache._trim()

        asyncio.ensure_future(ask())
