"""What the rest of smtpdoctor calls: :func:`blacklist_findings` for ``diagnose`` and ``domain``."""

from __future__ import annotations

from ..net.dns import Resolver
from ..core.model import Finding
from ..judge.blacklist import run_findings
from ..observe.blocklists import DEFAULT_CONCURRENCY, DEFAULT_RATE, check_targets
from ..core.dnsbl_targets import BadInput, Target, parse_target
from ..net.udp_mux import MuxResolver, servers_of
from ..core.dnsbl_zones import Kind, UnknownZoneName, select_zones
from ..core import catalogue as findings

__all__ = ["blacklist_findings"]


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
            if isinstance(log, list):
                log.extend(lookup.log)
    return (*out, *run_findings(results, healths, env, dead, selected=selected))
