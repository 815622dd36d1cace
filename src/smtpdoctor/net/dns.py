"""The one resolver facade over dnspython's async resolver.

* failures are values: every query returns a :class:`DnsResult` whose ``outcome`` tells NXDOMAIN from
  "no data", SERVFAIL, REFUSED and a timeout; nobody above this layer catches a dnspython exception;
* one run, one cache: each (name, type) is asked once per :class:`Resolver`; concurrent askers of the same
  question share one in-flight query;
* a query log (what was asked, the outcome, the time) for reports and benchmarks;
* ``nameservers`` ("IP" or "IP:PORT", "[v6]:PORT") point every query at given servers (labs, tests,
  ``--resolver``); otherwise the system's resolver configuration is used.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from enum import StrEnum
from typing import Iterable, Sequence

from . import without_doh

without_doh()  # before dnspython's query modules load (see the package's docstring)

import dns.asyncresolver  # noqa: E402
import dns.exception  # noqa: E402
import dns.flags  # noqa: E402
import dns.message  # noqa: E402
import dns.name  # noqa: E402
import dns.nameserver  # noqa: E402
import dns.rcode  # noqa: E402
import dns.rdatatype  # noqa: E402
import dns.resolver  # noqa: E402
from ..core.names import parse_nameserver  # noqa: E402
from ..core.observations import DnsResult, Outcome, QueryLogEntry  # noqa: E402

__all__ = ["Resolver", "parse_nameserver"]


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
    ) -> None:
        if nameservers:
            r = dns.asyncresolver.Resolver(configure=False)
            servers = []
            for ns in nameservers:
                host, port = parse_nameserver(ns) if isinstance(ns, str) else ns
                servers.append(dns.nameserver.Do53Nameserver(host, port))
            r.nameservers = servers
        else:
            try:
                r = dns.asyncresolver.Resolver()
            except dns.resolver.NoResolverConfiguration:
                r = dns.asyncresolver.Resolver(configure=False)
                r.nameservers = ["127.0.0.1"]
        r.timeout = timeout
        r.lifetime = lifetime
        r.retry_servfail = False
        r.cache = None
        if dnssec:
            # Ask for the AD bit so the caller can tell a validated answer; EDNS for large TXT sets.
            r.use_edns(0, dns.flags.DO, 1232)
            r.flags = dns.flags.RD | dns.flags.AD
        self._resolver = r
        self._lifetime = lifetime
        self._cache: dict[tuple[str, str], asyncio.Future[DnsResult]] = {}
        self.log: list[QueryLogEntry] = []

    @property
    def nameservers(self) -> list[str]:
        return [str(ns) for ns in self._resolver.nameservers]

    @property
    def servers(self) -> list[tuple[str, int]] | None:
        """The plain-DNS (Do53) servers asked, as (address, port); None if any is not plain DNS."""
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
        key = (_normal(name), rdtype.upper())
        fut = self._cache.get(key)
        if fut is None:
            fut = asyncio.ensure_future(self._ask(*key))
            self._cache[key] = fut
        return await asyncio.shield(fut)

    async def query_many(self, questions: Iterable[tuple[str, str]]) -> list[DnsResult]:
        return list(await asyncio.gather(*(self.query(n, t) for n, t in questions)))

    async def ptr(self, address: str) -> DnsResult:
        import dns.reversename

        try:
            name = dns.reversename.from_address(address).to_text()
        except (ValueError, dns.exception.SyntaxError) as exc:
            return DnsResult(name=address, rdtype="PTR", outcome=Outcome.ERROR, error=str(exc))
        return await self.query(name, "PTR")

    async def addresses(self, name: str) -> tuple[DnsResult, DnsResult]:
        """A and AAAA of ``name``, asked at once."""
        a, aaaa = await asyncio.gather(self.query(name, "A"), self.query(name, "AAAA"))
        return a, aaaa

    async def _ask(self, name: str, rdtype: str) -> DnsResult:
        start = time.perf_counter()
        result = await self._resolve(name, rdtype, start)
        self.log.append(QueryLogEntry(name, rdtype, result.outcome, result.elapsed))
        return result

    async def _resolve(self, name: str, rdtype: str, start: float) -> DnsResult:
        def done(outcome: Outcome, **kw) -> DnsResult:
            return DnsResult(name=name, rdtype=rdtype, outcome=outcome, elapsed=time.perf_counter() - start, **kw)

        try:
            qname = dns.name.from_text(name or ".")
            answer = await self._resolver.resolve(qname, rdtype, raise_on_no_answer=False, search=False)
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
        authenticated = bool(answer.response.flags & dns.flags.AD)
        rrset = answer.rrset
        canonical = _normal(answer.canonical_name.to_text())
        if rrset is None:
            return done(Outcome.NODATA, authenticated=authenticated,
                        canonical_name=canonical if canonical != name else None)
        records: list[str] = []
        strings: list[tuple[bytes, ...]] = []
        for rd in rrset:
            if rdtype in ("TXT", "SPF"):
                strings.append(tuple(rd.strings))
                records.append(b"".join(rd.strings).decode("utf-8", "replace"))
            else:
                records.append(rd.to_text())
        return done(Outcome.OK, records=tuple(records), ttl=rrset.ttl, authenticated=authenticated,
                    canonical_name=canonical if canonical != name else None, txt_strings=tuple(strings),
                    signatures=_signatures(answer.response, rrset))


def _signatures(response: dns.message.Message, rrset) -> tuple[str, ...]:
    """The RRSIGs of ``rrset`` in the answer section (present when the DO bit was set and the resolver
    passes DNSSEC data on; a resolver that strips it returns none)."""
    sigs = response.get_rrset(response.answer, rrset.name, rrset.rdclass, dns.rdatatype.RRSIG, rrset.rdtype)
    return tuple(sig.to_text() for sig in sigs) if sigs is not None else ()


def _rcode_outcome(exc: dns.resolver.NoNameservers) -> Outcome:
    """NoNameservers wraps every server's failure; SERVFAIL and REFUSED are told apart by the rcode."""
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
