"""The blocklist flows: :func:`blacklist_findings` for ``diagnose`` and ``domain``; :func:`stream_blacklist`
for the ``blacklist`` command and its web page (targets in, one line of findings per target out)."""

from __future__ import annotations

import contextlib

from ..net.dns import Resolver
from ..core.model import Finding
from ..judge.blacklist import run_findings
from ..observe.blocklists import DEFAULT_CONCURRENCY, DEFAULT_RATE, check_targets
from ..core.dnsbl_targets import BadInput, Target, parse_target
from ..net.udp_mux import MuxResolver, servers_of
from ..core.dnsbl_zones import Kind, UnknownZoneName, select_zones
from ..core import catalogue as findings
from ..core.lazy_names import lazy_names

__all__ = ["blacklist_findings", "open_lookup", "stream_blacklist", "TargetLine", "ListNotes"]

# The ``blacklist`` command's stream and its two line classes are in .blacklist_stream: diagnose and domain
# use blacklist_findings alone and need not build them (issue 16). Named here for the callers (PEP 562).
__getattr__ = lazy_names(globals(), dict.fromkeys(("stream_blacklist", "TargetLine", "ListNotes"),
                                                  ".blacklist_stream"))


def _target(value: str, kinds: tuple[Kind, ...]) -> Target | Finding:
    try:
        targets = parse_target(value)
    except BadInput as exc:
        return findings.make("dnsbl.bad-input", value=value, why=str(exc), evidence={"value": value, "why": str(exc)})
    if len(targets) != 1 or targets[0].kind not in kinds:
        why = f"expected {' or '.join(str(k) for k in kinds)}, got {'a range' if len(targets) != 1 else targets[0].kind}"
        return findings.make("dnsbl.bad-input", value=value, why=why, evidence={"value": value, "why": why})
    return targets[0]


async def blacklist_findings(resolver: Resolver, *, ip: str | None, domain: str | None,
                             zones: tuple[str, ...] | None = None, concurrency: int = DEFAULT_CONCURRENCY,
                             rate: float | None = DEFAULT_RATE) -> tuple[Finding, ...]:
    """Blocklist findings (category ``blacklist``, step ``blacklist``) for the sending IP and/or domain.

    ``zones`` replaces the catalogue's default set (names, or the words ``default`` / ``all``). A bad IP or
    domain, or a bad zone name, becomes a ``dnsbl.bad-input`` finding rather than an exception.
    """
    try:
        selected, dead = select_zones(zones)
    except UnknownZoneName as exc:
        return (findings.make("dnsbl.bad-input", value=", ".join(zones or ()), why=str(exc)),)
    out: list[Finding] = []
    targets: list[Target] = []
    for value, kinds in ((ip, (Kind.IPV4, Kind.IPV6)), (domain, (Kind.DOMAIN,))):
        if not value:
            continue
        t = _target(value, kinds)
        if isinstance(t, Finding):
            out.append(t)
        else:
            targets.append(t)
    if not targets:
        return tuple(out)
    # The facade's servers, asked through the multiplexed UDP layer: the whole catalogue in about one
    # round trip. The facade answers what the layer does not handle, and gets the layer's query log.
    servers = servers_of(resolver)
    lookup = (MuxResolver(servers, resolver, timeout=2.0, lifetime=max(z.timeout for z in selected),
                          max_in_flight=concurrency, rate=rate) if servers and selected else resolver)
    try:
        results, healths, env = await check_targets(lookup, targets, zones=selected, concurrency=concurrency,
                                                    rate=rate)
    finally:
        if isinstance(lookup, MuxResolver):
            lookup.close()
            log = getattr(resolver, "log", None)
            if log is not None:
                log.extend(lookup.log)
                resolver.asked = getattr(resolver, "asked", 0) + lookup.asked
    return (*out, *run_findings(results, healths, env, dead, selected=selected))


@contextlib.asynccontextmanager
async def open_lookup(nameservers, per_query: float, *, concurrency: int, rate: float | None):
    """The resolver for bulk blocklist lookups: the multiplexed UDP transport in front of the facade
    (which takes what the transport does not handle), or the facade alone when no plain-DNS server is known."""
    from ..net.udp_mux import system_nameservers

    facade = Resolver(list(nameservers) or None, timeout=min(2.0, per_query), lifetime=per_query)
    servers = list(nameservers) or system_nameservers()
    lookup = (MuxResolver(servers, facade, timeout=min(2.0, per_query), lifetime=per_query,
                          max_in_flight=concurrency, rate=rate) if servers else facade)
    try:
        yield lookup
    finally:
        if isinstance(lookup, MuxResolver):
            lookup.close()
