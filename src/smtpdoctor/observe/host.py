"""Resolve the SMTP host to its IPv4 and IPv6 addresses (asked at once)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from ..net.dns import DnsResult, Outcome, Resolver

__all__ = ["HostLookup", "resolve_host"]


@dataclass(frozen=True, slots=True, kw_only=True)
class HostLookup:
    host: str
    literal: bool  # the host was given as an IP address
    a: DnsResult | None = None
    aaaa: DnsResult | None = None
    root: DnsResult | None = None  # the canary ". NS", asked only when the host is NXDOMAIN

    @property
    def resolver_lies(self) -> bool:
        """The resolver said NXDOMAIN for the host and cannot even name the root's servers: its NXDOMAIN
        means nothing (no network, a captive portal, a filtering or broken resolver)."""
        return self.root is not None and not self.root.ok

    @property
    def ipv4(self) -> tuple[str, ...]:
        if self.literal:
            return (self.host,) if ipaddress.ip_address(self.host).version == 4 else ()
        return self.a.records if self.a and self.a.ok else ()

    @property
    def ipv6(self) -> tuple[str, ...]:
        if self.literal:
            return (self.host,) if ipaddress.ip_address(self.host).version == 6 else ()
        return self.aaaa.records if self.aaaa and self.aaaa.ok else ()

    @property
    def addresses(self) -> tuple[str, ...]:
        return self.ipv4 + self.ipv6

    @property
    def outcomes(self) -> tuple[Outcome, ...]:
        return tuple(r.outcome for r in (self.a, self.aaaa) if r is not None)

    def to_json(self) -> dict:
        return {"host": self.host, "literal": self.literal, "ipv4": list(self.ipv4), "ipv6": list(self.ipv6),
                "a": self.a.to_json() if self.a else None, "aaaa": self.aaaa.to_json() if self.aaaa else None,
                "root_canary": self.root.to_json() if self.root else None}


async def resolve_host(resolver: Resolver, host: str) -> HostLookup:
    try:
        ipaddress.ip_address(host)
        return HostLookup(host=host, literal=True)
    except ValueError:
        pass
    a, aaaa = await resolver.addresses(host)
    root = None
    if a.outcome is Outcome.NXDOMAIN and aaaa.outcome is Outcome.NXDOMAIN:
        root = await resolver.query(".", "NS")  # every working recursive resolver answers this
    return HostLookup(host=host, literal=False, a=a, aaaa=aaaa, root=root)
