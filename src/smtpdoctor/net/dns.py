"""The one resolver facade over dnspython's async resolver.

* failures are values: every query returns a :class:`DnsResult` whose ``outcome`` tells NXDOMAIN from
  "no data", SERVFAIL, REFUSED and a timeout; nobody above this layer catches a dnspython exception;
* one run, one cache: each (name, type) is asked once per :class:`Resolver` while its answer is among the
  last ``cache_size`` answers used (an LRU: a bulk run over a million domains must not keep every answer);
  concurrent askers of the same question share one in-flight query, which is never evicted;
* a query log (what was asked, the outcome, the time) of the last ``log_size`` questions, for reports and
  benchmarks; ``asked`` counts every question of the run;
* ``nameservers`` ("IP" or "IP:PORT", "[v6]:PORT") point every query at given servers (labs, tests,
  ``--resolver``); otherwise the system's resolver configuration is used.

Transport: questions to plain-DNS servers go over :mod:`smtpdoctor.net.udp_mux` in its ``full`` mode (one
connected UDP socket per server, the same EDNS/DO/AD query dnspython would send, answers read by
:mod:`smtpdoctor.net.dns_wire`, a measured retransmission timeout): about 0.1 ms of CPU per question
against about 1 ms through dnspython's resolver, which made a bulk domain audit CPU-bound. dnspython's
resolver still does what that layer hands back: TCP after a truncated answer, another server after
SERVFAIL/REFUSED, other rcodes, names the hand encoder does not take, DoH/DoT servers, and event loops
without ``add_reader``.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import OrderedDict, deque
from typing import TYPE_CHECKING, Iterable, Sequence

from ..core.name_text import parse_nameserver, reverse_name
from ..core.observations import DnsResult, Outcome, QueryLogEntry
from . import without_doh
from .dns_wire import question_key

if TYPE_CHECKING:
    from .dns_first import Primer

__all__ = ["Resolver", "AnswerCache", "parse_nameserver", "CACHE_SIZE", "LOG_SIZE"]

# A domain audit asks about 30 questions and a bulk run audits up to ``--concurrency * 4`` domains at once:
# 8,192 answers outlive every audit in flight at the default concurrency, and hold a few MB.
CACHE_SIZE = 8192
LOG_SIZE = 4096


class AnswerCache:
    """(name, type) -> the future of its answer, at most ``size`` answered entries (least recently used go
    first). Futures still in flight are kept whatever the size: their askers share them."""

    def __init__(self, size: int = CACHE_SIZE) -> None:
        if size < 1:
            raise ValueError("cache size must be at least 1")
        self.size = size
        self._entries: OrderedDict[tuple[str, str], asyncio.Future] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, key: tuple[str, str]) -> asyncio.Future | None:
        fut = self._entries.get(key)
        if fut is not None:
            self._entries.move_to_end(key)
        return fut

    def put(self, key: tuple[str, str], fut: asyncio.Future) -> None:
        self._entries[key] = fut
        self._entries.move_to_end(key)
        self._trim()

    def clear(self) -> None:
        self._entries.clear()

    def _trim(self) -> None:
        # Oldest first; an unanswered future goes to the back (it is in use). At most one pass.
        for _ in range(len(self._entries)):
            if len(self._entries) <= self.size:
                return
            key, fut = next(iter(self._entries.items()))
            if fut.done():
                del self._entries[key]
            else:
                self._entries.move_to_end(key)


def _normal(name: str) -> str:
    return name.rstrip(".").lower()


class Resolver:
    """Async DNS with a per-run cache. Create one per run; share it between probes."""

    def __init__(
        self,
        nameservers: Sequence[str] | Sequence[tuple[str, int]] | None = None,
        *,
        timeout: float = 3.0,
        lifetime: float = 6.0,
        dnssec: bool = True,
        cache_size: int = CACHE_SIZE,
        log_size: int = LOG_SIZE,
        primer: "Primer | None" = None,
    ) -> None:
        # dnspython's resolver (~40 ms of imports, ~1 ms of CPU per question) is built on first use: the UDP
        # layer asks nearly everything, and a run that never falls back never imports it.
        self._given = [parse_nameserver(ns) if isinstance(ns, str) else (ns[0], int(ns[1]))
                       for ns in nameservers] if nameservers else None
        self._timeout, self._lifetime, self._dnssec = timeout, lifetime, dnssec
        self._dnspython = None
        self._mux = None  # the UDP layer, opened on the first question (None: not yet; False: not usable)
        # Questions sent before the event loop ran (net.dns_first.Primer): the UDP layer takes them over.
        self._primer = primer
        self._cache = AnswerCache(cache_size)
        self.log: deque[QueryLogEntry] = deque(maxlen=log_size)
        self.asked = 0  # every question of the run sent (the log keeps the last ``log_size``)
        self.answered = 0  # every answer of the run come (with ``asked``: whether the run's chains are moving)

    @property
    def _resolver(self):
        if self._dnspython is None:
            without_doh()  # before dnspython's query modules (see smtpdoctor.net)
            import dns.asyncresolver
            import dns.flags
            import dns.nameserver
            import dns.resolver

            if self._given:
                r = dns.asyncresolver.Resolver(configure=False)
                r.nameservers = [dns.nameserver.Do53Nameserver(host, port) for host, port in self._given]
            else:
                try:
                    r = dns.asyncresolver.Resolver()
                except dns.resolver.NoResolverConfiguration:
                    r = dns.asyncresolver.Resolver(configure=False)
                    r.nameservers = ["127.0.0.1"]
            r.timeout = self._timeout
            r.lifetime = self._lifetime
            r.retry_servfail = False
            r.cache = None
            if self._dnssec:
                # Ask for the AD bit so the caller can tell a validated answer; EDNS for large TXT sets.
                r.use_edns(0, dns.flags.DO, 1232)
                r.flags = dns.flags.RD | dns.flags.AD
            self._dnspython = r
        return self._dnspython

    @property
    def reads(self) -> int:
        """Questions the UDP layer has finished so far (answered, refused or given up), counted as each
        finishes; ``answered`` counts them a turn of the event loop later, in a done-callback, and also
        counts answers the facade takes over (TCP, dnspython). Either moves while the run's chains do."""
        return self._mux.answered if self._mux else 0

    def answers_waiting(self) -> bool:
        """An answer has come to the UDP layer's sockets and waits to be read (on the loop's next turn)."""
        return bool(self._mux) and self._mux.waiting()

    @property
    def nameservers(self) -> list[str]:
        return [str(ns) for ns in self._resolver.nameservers]

    @property
    def servers(self) -> list[tuple[str, int]] | None:
        """The plain-DNS (Do53) servers asked, as (address, port); None if any is not plain DNS."""
        if self._given:
            return list(self._given)
        without_doh()  # before dnspython's query modules (see smtpdoctor.net)
        import dns.nameserver

        out = []
        for ns in self._resolver.nameservers:
            if isinstance(ns, str):
                out.append((ns, self._resolver.port))
            elif isinstance(ns, dns.nameserver.Do53Nameserver):
                out.append((ns.address, ns.port))
            else:
                return None
        return out

    async def query(self, name: str, rdtype: str) -> DnsResult:
        return await asyncio.shield(self._future(name, rdtype))

    async def query_many(self, questions: Iterable[tuple[str, str]]) -> list[DnsResult]:
        # Futures, not a task per question: a bulk audit asks thousands.
        return list(await asyncio.gather(*(asyncio.shield(self._future(n, t)) for n, t in questions)))

    def _future(self, name: str, rdtype: str) -> asyncio.Future[DnsResult]:
        """The one future of this run for (name, type): from the cache, or asked now (in a running loop)."""
        key = question_key(name, rdtype)
        mux = self._mux if self._mux is not None else self._open_mux()
        fut = self._cache.get(key)
        if fut is None:
            fut = mux.submit(*key) if mux else asyncio.ensure_future(self._ask(*key))
            self._keep(key, fut, logged=bool(mux))
        return fut

    def _keep(self, key: tuple[str, str], fut: asyncio.Future[DnsResult], *, logged: bool) -> None:
        if logged:  # the UDP layer's answer: logged here (dnspython's are logged by _ask)
            fut.add_done_callback(self._logged)
        self.asked += 1
        self._cache.put(key, fut)
        fut.add_done_callback(self._answered)

    def _answered(self, fut: asyncio.Future[DnsResult]) -> None:
        self.answered += 1
        self._cache._trim()  # an answered future may now be evicted

    def _logged(self, fut: asyncio.Future[DnsResult]) -> None:
        r = fut.result()
        self.log.append(QueryLogEntry(r.name, r.rdtype, r.outcome, r.elapsed))

    async def ptr(self, address: str) -> DnsResult:
        try:
            name = reverse_name(address)
        except ValueError as exc:
            return DnsResult(name=address, rdtype="PTR", outcome=Outcome.ERROR, error=str(exc))
        return await self.query(name, "PTR")

    async def addresses(self, name: str) -> tuple[DnsResult, DnsResult]:
        """A and AAAA of ``name``, asked at once."""
        a, aaaa = await self.query_many(((name, "A"), (name, "AAAA")))
        return a, aaaa

    async def _ask(self, name: str, rdtype: str) -> DnsResult:
        start = time.perf_counter()
        result = await self._resolve(name, rdtype, start)
        self.log.append(QueryLogEntry(name, rdtype, result.outcome, result.elapsed))
        return result

    def _open_mux(self):
        from .udp_mux import MuxResolver, servers_of

        servers = servers_of(self) if self._dnssec else []  # the layer sends the facade's DNSSEC query
        self._mux = False
        primer, self._primer = self._primer, None
        if servers:
            # At most MAX_IN_FLIGHT (256) questions out per run: about the ~250 datagrams a server socket's
            # default 208 KiB receive buffer holds, beyond which a resolver drops them and each drop costs a
            # retransmission timeout. The layer's window opens at 64 and grows only while answers come back,
            # so a forwarder that holds fewer (dnsmasq's dns-forward-max, 150) is met by the window.
            from .dns_first import MAX_IN_FLIGHT

            mux = MuxResolver(servers, _Dnspython(self), timeout=self._timeout, lifetime=self._lifetime,
                              max_in_flight=MAX_IN_FLIGHT, full=True)
            try:
                mux._open(primer)
            except (NotImplementedError, OSError):  # a loop without add_reader; no socket to be had
                mux.close()
                if primer is not None:
                    primer.close()
                return False
            self._mux = mux
            weakref.finalize(self, mux.close)
            for key, fut in (mux.adopt(primer) if primer is not None else {}).items():
                self._keep(key, fut, logged=True)
            if primer is not None and primer.taken and primer.step is not None:
                mux.on_answer = self._follow(primer.step)
        if primer is not None:
            primer.close()  # unless the layer took its socket: then this does nothing
        return self._mux

    def _follow(self, step):
        """The UDP layer's ``on_answer``: the questions ``step`` (the primer's, net/dns_first.Primer.follow)
        names from an answer just read, asked now; the chain that asks them too finds them in flight."""
        def on_answer(key: tuple[str, str], answer) -> None:
            try:
                follow = step(key, answer)
            except Exception:  # noqa: BLE001 - the chains ask their questions anyway, a few turns later
                return
            for name, rdtype in follow:
                self._future(name, rdtype)

        return on_answer

    async def _resolve(self, name: str, rdtype: str, start: float, *, tcp: bool = False) -> DnsResult:
        without_doh()  # before dnspython's query modules (see smtpdoctor.net)
        import dns.exception
        import dns.name
        import dns.resolver

        def done(outcome: Outcome, **kw) -> DnsResult:
            return DnsResult(name=name, rdtype=rdtype, outcome=outcome, elapsed=time.perf_counter() - start, **kw)

        try:
            qname = dns.name.from_text(name or ".")
            answer = await self._resolver.resolve(qname, rdtype, raise_on_no_answer=False, search=False, tcp=tcp)
        except dns.resolver.NXDOMAIN:
            return done(Outcome.NXDOMAIN)
        except dns.resolver.LifetimeTimeout as exc:
            return done(Outcome.TIMEOUT, error=str(exc))
        except dns.resolver.NoNameservers as exc:
            return done(_rcode_outcome(exc), error=str(exc))
        except dns.resolver.YXDOMAIN as exc:
            return done(Outcome.ERROR, error=str(exc))
        except (dns.exception.SyntaxError, dns.name.LabelTooLong, dns.name.NameTooLong,
                dns.name.EmptyLabel, ValueError) as exc:
            return done(Outcome.ERROR, error=f"invalid name: {exc}")
        except dns.exception.DNSException as exc:
            return done(Outcome.ERROR, error=f"{type(exc).__name__}: {exc}")
        outcome, fields = read_response(name, rdtype, answer.response, answer.rrset, answer.canonical_name)
        return done(outcome, **fields)


class _Dnspython:
    """The facade without its UDP layer: where that layer hands a question back."""

    def __init__(self, owner: Resolver) -> None:
        self._owner = weakref.ref(owner)

    async def query(self, name: str, rdtype: str, *, tcp: bool = False) -> DnsResult:
        owner = self._owner()
        if owner is None:
            return DnsResult(name=name, rdtype=rdtype, outcome=Outcome.ERROR, error="resolver closed")
        return await owner._resolve(name, rdtype, time.perf_counter(), tcp=tcp)


def read_response(name: str, rdtype: str, response: dns.message.Message, rrset,
                  canonical_name: dns.name.Name) -> tuple[Outcome, dict]:
    """The outcome and the :class:`DnsResult` fields of a NOERROR ``response`` whose CNAME chain ended at
    ``canonical_name`` with ``rrset`` (None: no records of the type). The one reading of a dnspython
    message, for the facade and for the UDP layer's answers that its own reader leaves to dnspython."""
    import dns.flags

    authenticated = bool(response.flags & dns.flags.AD)
    canonical = _normal(canonical_name.to_text())
    fields: dict = {"authenticated": authenticated, "canonical_name": canonical if canonical != name else None}
    if rrset is None:
        return Outcome.NODATA, fields
    records: list[str] = []
    strings: list[tuple[bytes, ...]] = []
    for rd in rrset:
        if rdtype in ("TXT", "SPF"):
            strings.append(tuple(rd.strings))
            records.append(b"".join(rd.strings).decode("utf-8", "replace"))
        else:
            records.append(rd.to_text())
    fields.update(records=tuple(records), ttl=rrset.ttl, txt_strings=tuple(strings),
                  signatures=_signatures(response, rrset))
    return Outcome.OK, fields


def read_wire(name: str, rdtype: str, data: bytes) -> tuple[Outcome, dict]:
    """:func:`read_response` of a NOERROR datagram, parsed by dnspython (failures as values)."""
    import dns.exception
    import dns.message

    try:
        response = dns.message.from_wire(data)
        chain = response.resolve_chaining()
    except dns.exception.DNSException as exc:
        return Outcome.ERROR, {"error": f"{type(exc).__name__}: {exc}"}
    return read_response(name, rdtype, response, chain.answer, chain.canonical_name)


def _signatures(response: dns.message.Message, rrset) -> tuple[str, ...]:
    """The RRSIGs of ``rrset`` in the answer section (present when the DO bit was set and the resolver
    passes DNSSEC data on; a resolver that strips it returns none)."""
    import dns.rdatatype

    sigs = response.get_rrset(response.answer, rrset.name, rrset.rdclass, dns.rdatatype.RRSIG, rrset.rdtype)
    return tuple(sig.to_text() for sig in sigs) if sigs is not None else ()


def _rcode_outcome(exc: dns.resolver.NoNameservers) -> Outcome:
    """NoNameservers wraps every server's failure; SERVFAIL and REFUSED are told apart by the rcode."""
    import dns.message
    import dns.rcode

    errors = exc.kwargs.get("errors") or []
    rcodes = set()
    for err in errors:
        response = err[-1] if err else None
        if isinstance(response, dns.message.Message):
            rcodes.add(response.rcode())
        elif len(err) > 3 and isinstance(err[3], str):
            try:
                rcodes.add(dns.rcode.from_text(err[3]))
            except Exception:  # not an rcode name
                pass
    if rcodes == {dns.rcode.REFUSED}:
        return Outcome.REFUSED
    if dns.rcode.SERVFAIL in rcodes:
        return Outcome.SERVFAIL
    # No rcode at all: the servers could not be reached or sent garbage (an OSError, a FormError).
    return Outcome.ERROR if errors else Outcome.SERVFAIL
