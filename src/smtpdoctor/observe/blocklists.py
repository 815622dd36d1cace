"""The concurrent DNSBL engine: every query through a :class:`Lookup` -- the facade
(:class:`smtpdoctor.net.dns.Resolver`) for a diagnosis, the multiplexed UDP layer for bulk runs -- all at once,
with a bounded number in flight, a bounded rate and a per-zone timeout.

For one target the zones' queries and the zones' test points (the health guards) go out together, so a
clean address costs about one round trip; a listing costs one more (its TXT reason). Many targets stream:
results come back in input order while a window of later targets is already in flight.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import AsyncIterator, Awaitable, Iterable, Protocol, Sequence

from ..core.observations import DnsResult, Outcome
from ..core.dnsbl_facts import Answer, Environment, Status, TargetResult, ZoneHealth, ZoneResult, ZoneStatus
from .blocklist_health import judge_answer, judge_environment, judge_zone, points_for
from ..core.dnsbl_targets import Target, query_key
from ..core.dnsbl_zones import Kind, Zone

__all__ = ["Lookup", "Engine", "Limits", "RateLimiter", "check_ips", "check_domains", "check_targets",
           "DEFAULT_CONCURRENCY", "DEFAULT_RATE"]

DEFAULT_CONCURRENCY = 512  # queries in flight at once
DEFAULT_RATE = 8000.0  # queries per second, at most


class Lookup(Protocol):
    """What the engine needs: the facade (:class:`smtpdoctor.net.dns.Resolver`) or the bulk layer
    (:class:`smtpdoctor.net.udp_mux.MuxResolver`)."""

    async def query(self, name: str, rdtype: str) -> DnsResult: ...


class RateLimiter:
    """A token bucket: at most ``rate`` query starts per second on average, bursts of up to ``burst``
    (default: 50 ms worth). Under the rate nobody waits; ``rate=None`` means no limit."""

    def __init__(self, rate: float | None, burst: int | None = None) -> None:
        self._rate = rate or 0.0
        self._burst = float(burst if burst is not None else max(1, int(self._rate * 0.05)))
        self._tokens = self._burst
        self._last = time.monotonic()

    async def wait(self) -> None:
        if not self._rate:
            return
        while True:
            now = time.monotonic()
            self._tokens = min(self._burst, self._tokens + (now - self._last) * self._rate)
            self._last = now
            if self._tokens >= 1.0:
                self._tokens -= 1.0
                return
            await asyncio.sleep((1.0 - self._tokens) / self._rate)


class Limits:
    """Concurrency and rate, shared by every query of one engine."""

    def __init__(self, concurrency: int = DEFAULT_CONCURRENCY, rate: float | None = DEFAULT_RATE) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        self.concurrency = concurrency
        self.semaphore = asyncio.Semaphore(concurrency)
        self.rate = RateLimiter(rate)


def _answer(result: DnsResult) -> Answer:
    return Answer(name=result.name, outcome=result.outcome, records=result.records, error=result.error,
                  elapsed=result.elapsed)


def _not_served(health: ZoneHealth | None) -> bool:
    return health is not None and health.status is ZoneStatus.NOT_SERVED


class Engine:
    """Looks targets up in ``zones``. One engine per run (it remembers each zone's health per kind)."""

    def __init__(self, resolver: Lookup, zones: Sequence[Zone], *, concurrency: int = DEFAULT_CONCURRENCY,
                 rate: float | None = DEFAULT_RATE) -> None:
        self.resolver = resolver
        self.zones = tuple(zones)
        self.limits = Limits(concurrency, rate)
        self._health: dict[Kind, asyncio.Future[tuple[dict[str, ZoneHealth], Environment]]] = {}

    # -- single queries ---------------------------------------------------------------------------
    def submit(self, zone: Zone, name: str, rdtype: str = "A", *, first: bool = False) -> Awaitable[DnsResult]:
        """One query, under the limits and the zone's timeout. Failures are values, never exceptions.

        A layer with ``submit`` (the bulk UDP layer) queues, limits and times out on its own and hands
        back a future, which costs no task; the facade gets the engine's semaphore, rate and timeout.
        ``first``: ahead of the questions waiting in the layer's queue (a question that work already
        started is waiting for: the zones' test points, a listing's TXT reason)."""
        submit = getattr(self.resolver, "submit", None)
        if submit is not None:
            return submit(name, rdtype, lifetime=zone.timeout, first=first)
        return self._ask(zone, name, rdtype)

    async def ask(self, zone: Zone, name: str, rdtype: str = "A") -> Answer:
        return _answer(await self.submit(zone, name, rdtype))

    async def _ask(self, zone: Zone, name: str, rdtype: str) -> DnsResult:
        async with self.limits.semaphore:
            await self.limits.rate.wait()
            start = time.perf_counter()
            try:
                async with asyncio.timeout(zone.timeout):
                    return await self.resolver.query(name, rdtype)
            except TimeoutError:
                return DnsResult(name=name, rdtype=rdtype, outcome=Outcome.TIMEOUT,
                                 elapsed=time.perf_counter() - start,
                                 error=f"no answer within the zone's timeout of {zone.timeout:g} s")

    # -- health -----------------------------------------------------------------------------------
    def health(self, kind: Kind) -> asyncio.Future[tuple[dict[str, ZoneHealth], Environment]]:
        """The health of every zone serving ``kind`` (asked once per run, started on first need)."""
        fut = self._health.get(kind)
        if fut is None:
            fut = asyncio.ensure_future(self._check_health(kind))
            self._health[kind] = fut
        return fut

    def _guards(self, zone: Zone, kind: Kind) -> tuple[list[Awaitable[DnsResult]], list[Kind]]:
        """The zone's test points for ``kind``, asked now and ahead of the queue: every target of the kind
        waits for them. Behind the first targets' questions they cost the sweep a round trip at its start."""
        listed, unlisted = points_for(zone, kind)
        asks = [self.submit(zone, f"{query_key(listed, kind)}.{zone.name}", first=True),
                self.submit(zone, f"{query_key(unlisted, kind)}.{zone.name}", first=True)]
        # A zone the catalogue does not describe: which kinds does it serve? Its "listed" test points
        # of every kind tell, asked at the same time (no extra round trip).
        others = [k for k in Kind if k is not kind] if not zone.known else []
        asks += [self.submit(zone, f"{query_key(points_for(zone, k)[0], k)}.{zone.name}", first=True)
                 for k in others]
        return asks, others

    def _check_health(self, kind: Kind) -> Awaitable[tuple[dict[str, ZoneHealth], Environment]]:
        zones = [z for z in self.zones if z.serves(kind)]
        guards = [self._guards(zone, kind) for zone in zones]  # asked now, not when a task first runs

        async def one(zone: Zone, asks: list[Awaitable[DnsResult]], others: list[Kind]) -> ZoneHealth:
            a, b, *rest = await asyncio.gather(*asks)
            served = None
            if not zone.known:
                points = {kind: a, **dict(zip(others, rest))}
                served = frozenset(k for k, r in points.items() if r.outcome is Outcome.OK)
            return judge_zone(zone, kind, _answer(a), _answer(b), served=served)

        async def judge() -> tuple[dict[str, ZoneHealth], Environment]:
            healths = await asyncio.gather(*(one(z, asks, others) for z, (asks, others) in zip(zones, guards)))
            return {h.zone.name: h for h in healths}, judge_environment(healths)

        return judge()

    async def healths(self) -> tuple[tuple[ZoneHealth, ...], Environment]:
        """Every health judged so far (for the kinds looked up in this run) and the worst environment."""
        out: list[ZoneHealth] = []
        envs: list[Environment] = []
        for kind in Kind:
            fut = self._health.get(kind)
            if fut is None:
                continue
            by_zone, e = await fut
            out.extend(by_zone.values())
            envs.append(e)
        bad = [e for e in envs if e.everything_listed]
        env = bad[0] if bad else max(envs, key=lambda e: e.zones_checked,
                                     default=Environment(everything_listed=False, zones_checked=0))
        return tuple(out), env

    # -- targets ----------------------------------------------------------------------------------
    async def lookup(self, target: Target) -> TargetResult:
        """All zones serving the target's kind, at once, with their health guards; then TXT for listings."""
        zones = [z for z in self.zones if z.serves(target.kind)]
        health = self.health(target.kind)
        key = target.key
        answers = await asyncio.gather(*(self.submit(z, f"{key}.{z.name}") for z in zones))
        by_zone, env = await asyncio.shield(health)  # shared by every target of this kind
        results = [judge_answer(z, by_zone.get(z.name), _answer(a), env) for z, a in zip(zones, answers)
                   if not _not_served(by_zone.get(z.name))]
        listed = [i for i, r in enumerate(results) if r.status is Status.LISTED]
        if listed:
            # Ahead of the queue: results come in input order, so the targets behind this one wait for it.
            txts = await asyncio.gather(*(self.submit(results[i].zone, f"{key}.{results[i].zone.name}", "TXT",
                                                      first=True) for i in listed))
            for i, txt in zip(listed, txts):
                reason = " ".join(txt.records) if txt.outcome is Outcome.OK else None
                r = results[i]
                results[i] = ZoneResult(zone=r.zone, status=r.status, codes=r.codes, why=r.why, answer=r.answer,
                                        reason=reason)
        return TargetResult(target=target, results=tuple(results))

    async def stream(self, targets: Iterable[Target], *, window: int | None = None) -> AsyncIterator[TargetResult]:
        """Results in input order, with up to ``window`` targets in flight (default: four times the
        concurrency limit's worth of questions).

        In input order, one target whose question was lost holds the head for a retransmission timeout
        (at least 0.1 s) and a round trip while no later target may start; twice the limit's worth (1,024
        questions at the default 512) is about one such wait at the default rate, so the queue ran dry
        after every loss. Four times keeps the rate busy through it; a target costs a task and a few
        futures, so 200 targets waiting is nothing."""
        if window is None:
            per_target = max(1, len(self.zones))
            window = max(4, 4 * self.limits.concurrency // per_target)
        it = iter(targets)
        pending: deque[asyncio.Task[TargetResult]] = deque()
        try:
            for target in it:
                pending.append(asyncio.ensure_future(self.lookup(target)))
                if len(pending) >= window:
                    break
            while pending:
                result = await pending.popleft()
                nxt = next(it, None)
                if nxt is not None:
                    pending.append(asyncio.ensure_future(self.lookup(nxt)))
                yield result
        finally:
            for task in pending:
                task.cancel()


def _zones(zones: Sequence[Zone | str] | None) -> tuple[Zone, ...]:
    from ..core.dnsbl_zones import catalogue, select_zones

    if zones is None:
        return catalogue().default_zones
    if all(isinstance(z, Zone) for z in zones):
        return tuple(zones)  # type: ignore[arg-type]
    out: list[Zone] = []
    for z in zones:
        out.extend((z,) if isinstance(z, Zone) else select_zones([z])[0])
    return tuple(out)


async def check_targets(resolver: Lookup, targets: Sequence[Target], *,
                        zones: Sequence[Zone | str] | None = None, concurrency: int = DEFAULT_CONCURRENCY,
                        rate: float | None = DEFAULT_RATE
                        ) -> tuple[tuple[TargetResult, ...], tuple[ZoneHealth, ...], Environment]:
    """Look every target up; returns (results in input order, zone healths, environment).

    ``zones``: :class:`Zone` values or zone names (names go through :func:`select_zones`: dead zones are
    dropped, unknown ones get the defaults); None is the catalogue's default set."""
    engine = Engine(resolver, _zones(zones), concurrency=concurrency, rate=rate)
    results = [r async for r in engine.stream(targets)]
    healths, env = await engine.healths()
    return tuple(results), healths, env


def _targets(values: Iterable[str], kinds: tuple[Kind, ...]) -> list[Target]:
    from ..core.dnsbl_targets import BadInput, parse_target

    out: list[Target] = []
    for v in values:
        for t in parse_target(v):
            if t.kind not in kinds:
                raise BadInput(f"{v!r} is not {' or '.join(str(k) for k in kinds)}")
            out.append(t)
    return out


async def check_ips(resolver: Lookup, ips: Iterable[str], *, zones: Sequence[Zone | str] | None = None, **limits
                    ) -> tuple[tuple[TargetResult, ...], tuple[ZoneHealth, ...], Environment]:
    """IPv4/IPv6 addresses (or CIDR ranges) against the IP zones. Raises BadInput for a bad address."""
    return await check_targets(resolver, _targets(ips, (Kind.IPV4, Kind.IPV6)), zones=zones, **limits)


async def check_domains(resolver: Lookup, domains: Iterable[str], *, zones: Sequence[Zone | str] | None = None,
                        **limits) -> tuple[tuple[TargetResult, ...], tuple[ZoneHealth, ...], Environment]:
    """Domains against the domain zones (RHSBLs). Raises BadInput for a bad domain."""
    return await check_targets(resolver, _targets(domains, (Kind.DOMAIN,)), zones=zones, **limits)
